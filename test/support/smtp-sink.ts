import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer, type SMTPServerDataStream } from 'smtp-server';

/** What the sink received: the parsed message plus the SMTP envelope it came with. */
export interface ReceivedMail {
  envelope: { from: string; to: string[] };
  parsed: ParsedMail;
  subject: string;
  text: string;
  html: string;
  attachments: { filename: string; contentType: string; content: string }[];
}

/**
 * A real SMTP server on a loopback port, in the test process. `refuseNext(n)` answers the next n
 * messages with a temporary failure (451), as a greylisting or overloaded server would.
 */
export class SmtpSink {
  readonly messages: ReceivedMail[] = [];
  /** Every DATA the sink answered, accepted or refused. */
  attempts = 0;
  /** Each accepted message is answered only after this long (a slow server, so a batch takes a while). */
  delayMs = 0;
  private refusals = 0;
  private server!: SMTPServer;
  port = 0;

  /** Listens on `port`, or on a free one. */
  static async start(port = 0): Promise<SmtpSink> {
    const sink = new SmtpSink();
    await sink.listen(port);
    return sink;
  }

  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  refuseNext(count: number): void {
    this.refusals = count;
  }

  /** After `close` (an SMTP outage: connections refused), listens on the same port again. */
  restart(): Promise<void> {
    return this.listen(this.port);
  }

  private listen(port = 0): Promise<void> {
    this.server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onData: (stream, session, callback) => {
        this.receive(stream, session.envelope)
          .then(() => callback())
          .catch((error: Error) => callback(error));
      },
    });
    this.server.on('error', () => undefined);
    return new Promise((resolve) => {
      this.server.listen(port, '127.0.0.1', () => {
        this.port = (this.server.server.address() as AddressInfo).port;
        resolve();
      });
    });
  }

  private async receive(stream: SMTPServerDataStream, envelope: { mailFrom: false | { address: string }; rcptTo: { address: string }[] }): Promise<void> {
    const parsed = await simpleParser(stream);
    this.attempts += 1;
    if (this.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    if (this.refusals > 0) {
      this.refusals -= 1;
      throw Object.assign(new Error('4.3.0 Try again later'), { responseCode: 451 });
    }
    this.messages.push({
      envelope: { from: envelope.mailFrom ? envelope.mailFrom.address : '', to: envelope.rcptTo.map((rcpt) => rcpt.address) },
      parsed,
      subject: parsed.subject ?? '',
      text: parsed.text ?? '',
      html: typeof parsed.html === 'string' ? parsed.html : '',
      attachments: parsed.attachments.map((attachment) => ({
        filename: attachment.filename ?? '',
        contentType: attachment.contentType,
        content: attachment.content.toString('utf8'),
      })),
    });
  }

  /** Waits until `count` messages matching `match` arrived (default: any). */
  async waitFor(count: number, match: (mail: ReceivedMail) => boolean = () => true, timeoutMs = 15_000): Promise<ReceivedMail[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.messages.filter(match);
      if (found.length >= count) return found;
      if (Date.now() > deadline) throw new Error(`expected ${count} matching message(s), received ${found.length} of ${this.messages.length}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** Polls until `check` returns a value other than undefined (a row reaching a status, say). */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 15_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
