import { createServer } from 'node:net';
import { NestFactory } from '@nestjs/core';
import { DataSource } from 'typeorm';
import { WorkerModule } from '../apps/worker/src/worker.module.js';
import { loadConfig } from '../apps/control-plane/src/config/app-config.js';
import { dropRedisPrefix, fastNotifications, redisPrefix, TEST_REDIS_URL } from './support/notification-env.js';
import { eventually, SmtpSink } from './support/smtp-sink.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { createTestDatabase } from './support/test-database.js';

/** A loopback port nothing listens on: connecting to it is refused at once. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

interface Row {
  id: string;
  status: string;
  attempts: number;
  last_error: string | null;
}

async function rows(cp: TestApp, stage = 'license_issued'): Promise<Row[]> {
  return (await cp.app
    .get(DataSource)
    .query('SELECT id, status, attempts, last_error FROM notifications WHERE stage = $1 ORDER BY created_at', [stage])) as Row[];
}

async function rowReaches(cp: TestApp, status: string): Promise<Row> {
  return eventually(async () => (await rows(cp)).find((row) => row.status === status), 15_000, `a row ${status}`);
}

async function tenantWithLicense(cp: TestApp, id = 'globex'): Promise<{ token: string }> {
  const support = await cp.token('support');
  const tenant = await cp.http('POST', '/api/v1/tenants', {
    token: support,
    body: { id, name: 'Globex', contact_email: `ops@${id}.example`, deployment_mode: 'on_prem' },
  });
  expect(tenant.status).toBe(201);
  const issued = await cp.http('POST', '/api/v1/licenses', { token: support, body: { tenant_id: id, plan_id: 'core' } });
  expect(issued.status).toBe(201);
  return issued.body;
}

const settle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.each([
  ['BullMQ', true],
  ['in-process delivery (no REDIS_URL)', false],
])('notification failures, %s', (_label, withRedis) => {
  const prefix = redisPrefix(withRedis ? 'fail-q' : 'fail-p');
  let smtp: SmtpSink;

  beforeAll(async () => {
    smtp = await SmtpSink.start();
  });

  afterAll(async () => {
    await smtp.close();
    await dropRedisPrefix(prefix);
  });

  function env(extra: Record<string, string> = {}): Record<string, string> {
    return fastNotifications(smtp.url, { ...(withRedis ? { REDIS_URL: TEST_REDIS_URL, REDIS_KEY_PREFIX: prefix } : {}), ...extra });
  }

  it('SMTP refuses the first two attempts, then accepts: exactly one email', async () => {
    const cp = await startTestApp('notif-retry', { env: env() });
    try {
      smtp.refuseNext(2);
      const before = smtp.messages.length;
      await tenantWithLicense(cp);
      await smtp.waitFor(before + 1);
      const sent = await rowReaches(cp, 'sent');
      expect(sent).toMatchObject({ attempts: 3, last_error: null });
      expect(smtp.attempts).toBe(3);
      await settle(500);
      expect(smtp.messages).toHaveLength(before + 1);
    } finally {
      await cp.destroy();
    }
  });

  it('SMTP is down for the whole run: the row ends failed with the SMTP error, and nothing else breaks', async () => {
    const cp = await startTestApp('notif-down', { env: env({ SMTP_URL: `smtp://127.0.0.1:${await closedPort()}` }) });
    try {
      await tenantWithLicense(cp);
      const failed = await rowReaches(cp, 'failed');
      expect(failed.attempts).toBe(3);
      expect(failed.last_error).toMatch(/ECONNREFUSED/);
      const viewer = await cp.token('viewer');
      const listed = await cp.http('GET', '/api/v1/notifications?status=failed', { token: viewer });
      expect(listed.body.items).toEqual([
        expect.objectContaining({
          id: failed.id,
          last_error: failed.last_error,
          attachments: ['license.jwt', 'license-public-key.pem', 'license-key-chain.json'],
        }),
      ]);
      // The API keeps working, and the failure shows in the metrics.
      expect((await cp.http('GET', '/api/health/ready')).status).toBe(200);
      expect((await cp.http('GET', '/api/v1/tenants/globex', { token: viewer })).status).toBe(200);
      const metrics = await cp.http('GET', '/metrics');
      expect(metrics.text).toMatch(/^la_notifications_failed 1$/m);
      expect(metrics.text).toMatch(/^la_notification_delivery_failures_total\{stage="license_issued"\} 3$/m);
    } finally {
      await cp.destroy();
    }
  });

  it('the process dies between commit and enqueue: the relay picks the row up on restart', async () => {
    const database = await createTestDatabase('notif-restart');
    // A relay that never ticks after boot stands for a process killed right after the commit.
    const first = await startTestApp('notif-restart', { database, env: env({ NOTIFICATION_RELAY_INTERVAL_MS: '3600000' }) });
    const before = smtp.messages.length;
    await tenantWithLicense(first);
    await first.close();
    expect(smtp.messages).toHaveLength(before);
    const second = await startTestApp('notif-restart', { database, env: env() });
    try {
      await smtp.waitFor(before + 1);
      expect((await rowReaches(second, 'sent')).attempts).toBe(1);
    } finally {
      await second.destroy();
    }
  });

  it('a row left queued by a dead process (its job lost) is relayed again after the requeue timeout', async () => {
    const database = await createTestDatabase('notif-stuck');
    const first = await startTestApp('notif-stuck', { database, env: env({ NOTIFICATION_RELAY_INTERVAL_MS: '3600000' }) });
    const before = smtp.messages.length;
    await tenantWithLicense(first);
    await first.app.get(DataSource).query(`UPDATE notifications SET status = 'queued', queued_at = now() - interval '2 seconds'`);
    await first.close();
    const second = await startTestApp('notif-stuck', { database, env: env({ NOTIFICATION_REQUEUE_AFTER_MS: '1000' }) });
    try {
      await smtp.waitFor(before + 1);
      expect((await rowReaches(second, 'sent')).attempts).toBe(1);
      await settle(1_500);
      expect(smtp.messages).toHaveLength(before + 1);
    } finally {
      await second.destroy();
    }
  });
});

describe('notification delivery while Redis is unreachable', () => {
  const prefix = redisPrefix('fail-redis');
  let smtp: SmtpSink;

  beforeAll(async () => {
    smtp = await SmtpSink.start();
  });

  afterAll(async () => {
    await smtp.close();
    await dropRedisPrefix(prefix);
  });

  it('commits the state change with its row, and delivers it once Redis is back', async () => {
    const database = await createTestDatabase('notif-redis');
    const env = fastNotifications(smtp.url, { REDIS_KEY_PREFIX: prefix });
    const down = await startTestApp('notif-redis', { database, env: { ...env, REDIS_URL: `redis://127.0.0.1:${await closedPort()}` } });
    const { token } = await tenantWithLicense(down);
    expect(token).toMatch(/^eyJ/);
    await settle(500);
    const [pending] = await rows(down);
    expect(pending).toMatchObject({ status: 'pending', attempts: 0 });
    expect(smtp.messages).toHaveLength(0);
    const support = await down.token('support');
    const resend = await down.http('POST', `/api/v1/notifications/${pending.id}/resend`, { token: support });
    expect(resend).toMatchObject({ status: 409, body: { error: { code: 'NOTIFICATION_IN_FLIGHT' } } });
    await down.close();

    const up = await startTestApp('notif-redis', { database, env: { ...env, REDIS_URL: TEST_REDIS_URL } });
    try {
      const [mail] = await smtp.waitFor(1);
      expect(mail.attachments[0]).toMatchObject({ filename: 'license.jwt', content: token });
      expect(await rowReaches(up, 'sent')).toMatchObject({ id: pending.id, attempts: 1 });
    } finally {
      await up.destroy();
    }
  });
});

describe('the standalone worker (apps/worker)', () => {
  const prefix = redisPrefix('worker');
  let smtp: SmtpSink;

  beforeAll(async () => {
    smtp = await SmtpSink.start();
  });

  afterAll(async () => {
    await smtp.close();
    await dropRedisPrefix(prefix);
  });

  it('sends what a control plane without an in-process worker only enqueued', async () => {
    const env = fastNotifications(smtp.url, { REDIS_URL: TEST_REDIS_URL, REDIS_KEY_PREFIX: prefix, NOTIFICATIONS_WORKER_IN_PROCESS: 'false' });
    const cp = await startTestApp('notif-worker', { env });
    try {
      await tenantWithLicense(cp);
      await rowReaches(cp, 'queued');
      await settle(300);
      expect(smtp.messages).toHaveLength(0);

      const config = loadConfig({ ...env, NODE_ENV: 'test', LOG_LEVEL: 'silent', DATABASE_URL: cp.config.DATABASE_URL });
      const worker = await NestFactory.createApplicationContext(WorkerModule.forRoot(config, cp.clock, { enabled: false }), { logger: false });
      await worker.init();
      try {
        await smtp.waitFor(1);
        expect((await rowReaches(cp, 'sent')).attempts).toBe(1);
      } finally {
        await worker.close();
      }
    } finally {
      await cp.destroy();
    }
  });
});

describe('recipient addresses', () => {
  let cp: TestApp;

  beforeAll(async () => {
    cp = await startTestApp('notif-recipient');
  });

  afterAll(() => cp.destroy());

  it.each(['not-an-email', 'ops@acme', 'ops acme@acme.example', 'ops@acme.example\r\nBcc: all@evil.example', 'ops@acme.example, other@acme.example'])(
    'refuses to store %j as a tenant contact',
    async (address) => {
      const support = await cp.token('support');
      const created = await cp.http('POST', '/api/v1/tenants', {
        token: support,
        body: { id: 'acme', name: 'Acme', contact_email: address, deployment_mode: 'on_prem' },
      });
      expect(created).toMatchObject({ status: 400, body: { error: { code: 'VALIDATION_FAILED', details: [{ field: 'contact_email' }] } } });

      await cp.http('POST', '/api/v1/tenants', {
        token: support,
        body: { id: 'valid', name: 'Valid', contact_email: 'ops@valid.example', deployment_mode: 'on_prem' },
      });
      const updated = await cp.http('PATCH', '/api/v1/tenants/valid', { token: support, body: { contact_email: address } });
      expect(updated).toMatchObject({ status: 400, body: { error: { code: 'VALIDATION_FAILED', details: [{ field: 'contact_email' }] } } });
      expect((await cp.http('GET', '/api/v1/tenants/valid', { token: support })).body.contact_email).toBe('ops@valid.example');
      expect((await cp.http('GET', '/api/v1/tenants/acme', { token: support })).status).toBe(404);
    },
  );
});
