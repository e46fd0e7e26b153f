import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Logger } from '@nestjs/common';
import nodemailer, { type SendMailOptions, type Transporter, type TransportOptions } from 'nodemailer';
import type { AppConfig } from '../config/app-config.js';
import type { NotificationAttachment } from './notification.entity.js';

export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
  html: string;
  attachments: NotificationAttachment[];
  /** Stable per notification, so a receiving system can recognise a redelivery. */
  messageId: string;
}

/** The one side effect of delivery, behind an adapter: SMTP in production, .eml files on a laptop. */
export abstract class Mailer {
  abstract send(mail: OutgoingMail): Promise<void>;
  abstract close(): void;
}

type MailConfig = Pick<AppConfig, 'SMTP_URL' | 'MAIL_FROM' | 'DATA_DIR'>;

function message(from: string, mail: OutgoingMail): SendMailOptions {
  return {
    from,
    to: mail.to,
    subject: mail.subject,
    text: mail.text,
    html: mail.html,
    messageId: mail.messageId,
    attachments: mail.attachments.map((attachment) => ({ filename: attachment.filename, content: attachment.content, contentType: attachment.contentType })),
  };
}

export class SmtpMailer extends Mailer {
  private readonly transport: Transporter;

  constructor(
    url: string,
    private readonly from: string,
  ) {
    super();
    // Bounded waits: a hung server fails the attempt, and the retry policy takes over.
    this.transport = nodemailer.createTransport({ url, connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 60_000 } as TransportOptions);
  }

  async send(mail: OutgoingMail): Promise<void> {
    await this.transport.sendMail(message(this.from, mail));
  }

  close(): void {
    this.transport.close();
  }
}

/** Development sink: each message becomes an .eml file any mail client opens. */
export class FileMailer extends Mailer {
  private readonly logger = new Logger('Mailer');
  private readonly transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });

  constructor(
    private readonly directory: string,
    private readonly from: string,
  ) {
    super();
  }

  async send(mail: OutgoingMail): Promise<void> {
    const info = (await this.transport.sendMail(message(this.from, mail))) as { message: Buffer };
    await mkdir(this.directory, { recursive: true, mode: 0o700 });
    const file = join(
      this.directory,
      `${new Date().toISOString().replace(/[:.]/g, '-')}-${mail.messageId.replace(/^<|@.*$/g, '').replace(/[^A-Za-z0-9.-]/g, '')}.eml`,
    );
    // The message may hold a license token or a login link: readable by this user only.
    await writeFile(file, info.message, { mode: 0o600 });
    this.logger.log(`SMTP_URL is not set: email "${mail.subject}" to ${mail.to} written to ${file}`);
  }

  close(): void {
    this.transport.close();
  }
}

export function createMailer(config: MailConfig): Mailer {
  return config.SMTP_URL ? new SmtpMailer(config.SMTP_URL, config.MAIL_FROM) : new FileMailer(resolve(config.DATA_DIR, 'mail'), config.MAIL_FROM);
}
