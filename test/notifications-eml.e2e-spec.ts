import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { eventually } from './support/smtp-sink.js';
import { startTestApp } from './support/test-app.js';

// Its own file: Nest's static Logger follows the last app created in a process, and this test reads the log.
describe('notifications with nothing installed (no REDIS_URL, no SMTP_URL)', () => {
  it('writes each email as an .eml file in DATA_DIR/mail, with a log line', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'la-mail-'));
    const lines: string[] = [];
    const cp = await startTestApp('notif-eml', {
      env: { DATA_DIR: dataDir, LOG_LEVEL: 'info', NOTIFICATION_RELAY_INTERVAL_MS: '100' },
      logs: { write: (line: string) => lines.push(line) },
    });
    try {
      const support = await cp.token('support');
      await cp.http('POST', '/api/v1/tenants', {
        token: support,
        body: { id: 'umbrella', name: 'Umbrella', contact_email: 'it@umbrella.example', deployment_mode: 'byoc' },
      });
      const issued = await cp.http('POST', '/api/v1/licenses', { token: support, body: { tenant_id: 'umbrella', plan_id: 'enterprise' } });
      expect(issued.status).toBe(201);
      const [file] = await eventually(async () => {
        const files = existsSync(join(dataDir, 'mail')) ? readdirSync(join(dataDir, 'mail')).filter((name) => name.endsWith('.eml')) : [];
        return files.length > 0 ? files : undefined;
      });
      expect(file).toMatch(/\.eml$/);
      // It holds the license token: readable by the service's user only.
      expect(statSync(join(dataDir, 'mail', file)).mode & 0o777).toBe(0o600);
      const mail = await simpleParser(readFileSync(join(dataDir, 'mail', file)));
      expect(mail.subject).toBe('Your AtlasAI license for Umbrella (valid until 24 November 2027)');
      expect(mail.text).toContain('This is a BYOC license: your tenant plane renews it by phoning home every 24 hours');
      expect(mail.attachments.map((attachment) => attachment.filename)).toEqual(['license.jwt', 'license-public-key.pem', 'license-key-chain.json']);
      const logged = await eventually(async () =>
        lines.map((line) => JSON.parse(line) as { msg: string }).find((line) => line.msg.startsWith('SMTP_URL is not set')),
      );
      expect(logged.msg).toContain(`to it@umbrella.example written to ${join(dataDir, 'mail', file)}`);
    } finally {
      await cp.destroy();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
