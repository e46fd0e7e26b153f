import { NotificationSchedules } from '../apps/control-plane/src/notifications/notification-schedules.cron.js';
import { DAY_MS } from '@atlasai/license-core';
import { runCli } from './support/cli.js';
import { fastNotifications } from './support/notification-env.js';
import { eventually, SmtpSink } from './support/smtp-sink.js';
import { startTestApp, type TestApp } from './support/test-app.js';

describe('expiring, scoped, rotatable API tokens (end to end)', () => {
  let smtp: SmtpSink;
  let cp: TestApp;
  let admin: string;

  beforeAll(async () => {
    smtp = await SmtpSink.start();
    cp = await startTestApp('auth-tokens', { env: fastNotifications(smtp.url, { SCHEDULES_ENABLED: 'true' }) });
    admin = await cp.token('admin');
  });

  afterAll(async () => {
    await cp.destroy();
    await smtp.close();
  });

  async function createToken(body: Record<string, unknown>) {
    const created = await cp.http('POST', '/api/v1/tokens', { token: admin, body });
    expect(created.status).toBe(201);
    return created.body as { token: string; id: string; expiresAt: string | null; scopes: string[] | null };
  }

  it('expires a token exactly API_TOKEN_DEFAULT_TTL_DAYS after its creation: 401 TOKEN_EXPIRED from that millisecond on', async () => {
    const start = cp.clock.now();
    const created = await createToken({ name: 'ninety-days', role: 'viewer' });
    expect(created.expiresAt).toBe(new Date(start.getTime() + 90 * DAY_MS).toISOString());
    try {
      cp.clock.advance(90 * DAY_MS - 1);
      expect(await cp.http('GET', '/api/v1/plans', { token: created.token })).toMatchObject({ status: 200 });
      cp.clock.advance(1);
      expect(await cp.http('GET', '/api/v1/plans', { token: created.token })).toMatchObject({ status: 401, body: { error: { code: 'TOKEN_EXPIRED' } } });
      expect(await cp.http('GET', '/api/v1/plans', { token: 'la_neverissued' })).toMatchObject({ status: 401, body: { error: { code: 'UNAUTHENTICATED' } } });
    } finally {
      cp.clock.set(start);
    }
  });

  it('takes an explicit expiry, and "never" only with a reason, which is listed', async () => {
    const at = new Date(cp.clock.now().getTime() + 3 * DAY_MS).toISOString();
    expect((await createToken({ name: 'three-days', role: 'viewer', expires_at: at })).expiresAt).toBe(at);
    const past = await cp.http('POST', '/api/v1/tokens', { token: admin, body: { name: 'old', role: 'viewer', expires_at: '2020-01-01T00:00:00Z' } });
    expect(past).toMatchObject({ status: 400, body: { error: { code: 'VALIDATION_FAILED', details: [{ field: 'expires_at' }] } } });
    const noReason = await cp.http('POST', '/api/v1/tokens', { token: admin, body: { name: 'forever', role: 'admin', expires_at: 'never' } });
    expect(noReason).toMatchObject({ status: 400, body: { error: { details: [{ field: 'never_expires_reason' }] } } });
    const eternal = await createToken({ name: 'forever', role: 'admin', expires_at: 'never', never_expires_reason: 'break-glass account in the vault' });
    expect(eternal.expiresAt).toBeNull();
    const listed = (await cp.http('GET', '/api/v1/tokens', { token: admin })).body.items as { id: string; neverExpiresReason: string | null }[];
    expect(listed.find((token) => token.id === eternal.id)?.neverExpiresReason).toBe('break-glass account in the vault');
  });

  it('narrows a token to its scopes, never beyond its role', async () => {
    const tooWide = await cp.http('POST', '/api/v1/tokens', { token: admin, body: { name: 'x', role: 'viewer', scopes: ['licenses:write'] } });
    expect(tooWide).toMatchObject({ status: 400, body: { error: { code: 'VALIDATION_FAILED', details: [{ field: 'scopes' }] } } });
    const unknown = await cp.http('POST', '/api/v1/tokens', { token: admin, body: { name: 'x', role: 'viewer', scopes: ['everything'] } });
    expect(unknown).toMatchObject({ status: 400, body: { error: { details: [{ field: 'scopes.0' }] } } });

    const reader = await createToken({ name: 'license-reader', role: 'support', scopes: ['licenses:read'] });
    expect(reader.scopes).toEqual(['licenses:read']);
    expect(await cp.http('GET', '/api/v1/licenses', { token: reader.token })).toMatchObject({ status: 200 });
    expect(await cp.http('POST', '/api/v1/licenses/inspect', { token: reader.token, body: { token: 'x.y.z' } })).toMatchObject({ status: 200 });
    expect(await cp.http('POST', '/api/v1/licenses', { token: reader.token, body: { tenant_id: 'nobody' } })).toMatchObject({
      status: 403,
      body: { error: { code: 'FORBIDDEN', details: { required_scope: 'licenses:write' } } },
    });
    expect(await cp.http('GET', '/api/v1/tenants', { token: reader.token })).toMatchObject({
      status: 403,
      body: { error: { details: { required_scope: 'tenants:read' } } },
    });
  });

  it('shows when and from where a token was last used', async () => {
    const created = await createToken({ name: 'watched', role: 'viewer' });
    await cp.http('GET', '/api/v1/plans', { token: created.token });
    const listed = (await cp.http('GET', '/api/v1/tokens', { token: admin })).body.items as { id: string; lastUsedAt: string; lastUsedAddress: string }[];
    expect(listed.find((token) => token.id === created.id)).toMatchObject({ lastUsedAt: cp.clock.now().toISOString(), lastUsedAddress: '127.0.0.1' });
  });

  it('rotates: a new secret at once, the old one for a grace minute more, and a fresh lifetime', async () => {
    const start = cp.clock.now();
    const created = await createToken({ name: 'rotating', role: 'viewer' });
    try {
      cp.clock.advance(10 * DAY_MS);
      const rotated = await cp.http('POST', `/api/v1/tokens/${created.id}/rotate`, { token: admin });
      expect(rotated.status).toBe(200);
      expect(rotated.body).toMatchObject({ id: created.id, expiresAt: new Date(start.getTime() + 100 * DAY_MS).toISOString() });
      expect(rotated.body.token).not.toBe(created.token);
      expect(JSON.stringify(rotated.body)).not.toMatch(/tokenHash|previousTokenHash/);
      expect(await cp.http('GET', '/api/v1/plans', { token: rotated.body.token })).toMatchObject({ status: 200 });
      cp.clock.advance(59_999);
      expect(await cp.http('GET', '/api/v1/plans', { token: created.token })).toMatchObject({ status: 200 });
      cp.clock.advance(1);
      expect(await cp.http('GET', '/api/v1/plans', { token: created.token })).toMatchObject({ status: 401, body: { error: { code: 'UNAUTHENTICATED' } } });
      expect(await cp.http('GET', '/api/v1/plans', { token: rotated.body.token })).toMatchObject({ status: 200 });
    } finally {
      cp.clock.set(start);
    }
  });

  it('rotates from the CLI too', async () => {
    const created = await createToken({ name: 'cli-rotated', role: 'viewer' });
    const env = { DATABASE_URL: cp.database.url, CP_LICENSE_PRIVATE_KEY: cp.config.CP_LICENSE_PRIVATE_KEY! };
    const cli = await runCli(['tokens', 'rotate', created.id], env);
    expect(cli.code).toBe(0);
    const printed = JSON.parse(cli.stdout) as { token: string; id: string };
    expect(printed.id).toBe(created.id);
    expect(await cp.http('GET', '/api/v1/plans', { token: printed.token })).toMatchObject({ status: 200 });
    const unknown = await runCli(['tokens', 'rotate', '00000000-0000-4000-8000-000000000000'], env);
    expect(unknown).toMatchObject({ code: 1, stderr: expect.stringContaining('API_TOKEN_NOT_FOUND') });
  }, 120_000);

  it('emails the creator once, API_TOKEN_EXPIRY_NOTICE_DAYS before the token expires', async () => {
    const start = cp.clock.now();
    const created = await createToken({ name: 'deploy-bot', role: 'support', notify_email: 'ops-lead@atlastechlab.test' });
    const schedules = cp.app.get(NotificationSchedules);
    try {
      cp.clock.advance(83 * DAY_MS - 1);
      await schedules.sweep();
      cp.clock.advance(1);
      await schedules.sweep();
      await schedules.sweep();
      const mails = await eventually(async () => {
        const received = smtp.messages.filter((mail) => mail.subject.includes('"deploy-bot"'));
        return received.length > 0 ? received : undefined;
      });
      expect(mails).toHaveLength(1);
      expect(mails[0].envelope.to).toEqual(['ops-lead@atlastechlab.test']);
      expect(mails[0].subject).toBe('Your AtlasAI API token "deploy-bot" expires in 7 days (22 February 2027)');
      expect(mails[0].text).toContain(`licensectl tokens rotate ${created.id}`);
      const rows = await cp.http('GET', '/api/v1/notifications?stage=api_token_expiring', { token: admin });
      expect(rows.body.items.filter((row: { facts: { token_id: string } }) => row.facts.token_id === created.id)).toHaveLength(1);
    } finally {
      cp.clock.set(start);
    }
  });

  it('names the token and its creator, the address and the request id on the audit line', async () => {
    const created = await cp.http('POST', '/api/v1/tokens', {
      token: admin,
      body: { name: 'audited', role: 'viewer' },
      headers: { 'x-request-id': 'req-audit-1' },
    });
    const events = await cp.http('GET', `/api/v1/audit-events?target_type=api_token&target_id=${created.body.id}`, { token: admin });
    expect(events.body.items).toEqual([
      expect.objectContaining({
        action: 'api_token.created',
        actor: 'token:test-admin',
        request_id: 'req-audit-1',
        source_address: '127.0.0.1',
        actor_details: { type: 'token', subject: null, email: null, name: 'test-admin', token_id: expect.any(String), token_created_by: 'test' },
      }),
    ]);
  });
});
