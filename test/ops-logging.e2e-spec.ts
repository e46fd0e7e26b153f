import { Logger } from '@nestjs/common';
import { startTestApp, type TestApp } from './support/test-app.js';

/** The parts of a PEM that are key material (not the BEGIN/END armour). */
function pemBodyChunks(pem: string): string[] {
  return pem
    .replace(/\\n/g, '\n')
    .split('\n')
    .filter((line) => line && !line.startsWith('-----'));
}

describe('structured logs (end to end)', () => {
  const lines: string[] = [];
  let cp: TestApp;

  beforeAll(async () => {
    cp = await startTestApp('ops_logging', { env: { LOG_LEVEL: 'trace' }, logs: { write: (line: string) => lines.push(line) } });
  });

  afterAll(() => cp.destroy());

  it('writes JSON lines with the request id, and no license token, API token, Stripe secret or private key', async () => {
    const admin = await cp.token('admin');
    await cp.http('POST', '/api/v1/tenants', {
      token: admin,
      body: { id: 'logco', name: 'Log Co', contact_email: 'ops@logco.example', deployment_mode: 'byoc' },
    });
    await cp.http('PUT', '/api/v1/tenants/logco/subscription', { token: admin, body: { plan_id: 'operations', billing_interval: 'annual' } });
    const issued = await cp.http('POST', '/api/v1/licenses', {
      token: admin,
      headers: { 'x-request-id': 'issue-request-1' },
      body: { tenant_id: 'logco', deployment_mode: 'byoc' },
    });
    expect(issued.status).toBe(201);
    const licenseToken: string = issued.body.token;
    expect(licenseToken).toMatch(/^eyJ/);

    // The phone-home fast path (not Nest's router): a renewal is logged once, by the service, with the request id;
    // a refusal gets the same request line as any other route.
    const renewed = await cp.http('POST', '/api/v1/phone-home', {
      headers: { 'x-request-id': 'renew-1' },
      body: { license: licenseToken, tp_version: '4.2.0' },
    });
    expect(renewed.status).toBe(200);
    const garbage = await cp.http('POST', '/api/v1/phone-home', {
      headers: { 'x-request-id': 'renew-refused-1' },
      body: { license: 'x.y.z', tp_version: '4.2.0' },
    });
    expect(garbage.status).toBe(401);
    expect(garbage.body.error).toMatchObject({ code: 'LICENSE_INVALID', request_id: 'renew-refused-1' });

    const inspected = await cp.http('POST', '/api/v1/licenses/inspect', { token: admin, body: { token: licenseToken } });
    expect(inspected.status).toBe(200);
    // A token where it does not belong: the validation message must not carry it into a log line.
    const misplaced = await cp.http('GET', `/api/v1/licenses?tenant_id=${licenseToken}`, { token: admin });
    expect(misplaced.status).toBe(400);
    const stripeSecret = `sk_live_${'x'.repeat(24)}`;
    const webhookSecret = `whsec_${'y'.repeat(32)}`;
    const refused = await cp.http('GET', '/api/v1/tenants', {
      headers: { authorization: `Bearer ${admin}x`, 'stripe-signature': `t=1,v1=${'a'.repeat(64)}`, 'x-request-id': 'refused-1' },
    });
    expect(refused.status).toBe(401);
    expect(refused.body.error.request_id).toBe('refused-1');
    // Code that logs a secret by mistake, in a message and in an error's message and stack.
    new Logger('Careless').warn(`renewing ${licenseToken} for ${admin} with ${stripeSecret} and ${webhookSecret}`);
    new Logger('Careless').error(new Error(`cannot use ${cp.config.CP_LICENSE_PRIVATE_KEY}`));

    const output = lines.join('');
    if (process.env.SHOW_LOGS) console.log(output);
    const records = lines.map((line) => JSON.parse(line));
    expect(records.length).toBeGreaterThan(5);

    const secrets = [licenseToken, licenseToken.split('.')[1], licenseToken.split('.')[2], admin, stripeSecret, webhookSecret, 'a'.repeat(64)];
    for (const secret of [...secrets, ...pemBodyChunks(cp.config.CP_LICENSE_PRIVATE_KEY!)]) expect(output).not.toContain(secret);
    expect(output).toContain('[REDACTED]');

    // Every line written while a request is handled carries its id: the request log and the service's own line.
    const issueLines = records.filter((record) => record.request_id === 'issue-request-1');
    expect(issueLines.map((record) => record.msg)).toEqual(expect.arrayContaining([expect.stringMatching(/^license issued/), 'request completed']));
    // A request line has a short, fixed set of fields: no headers, no raw URL.
    const refusedLine = records.find((record) => record.request_id === 'refused-1');
    expect(refusedLine).toEqual({
      level: 'warn',
      time: expect.any(String),
      service: 'license-authority-control-plane',
      request_id: 'refused-1',
      method: 'GET',
      route: '/api/v1/tenants',
      status: 401,
      duration_ms: expect.any(Number),
      remote_address: '127.0.0.1',
      msg: 'request completed',
    });
    expect(records.find((record) => record.msg === 'request completed' && record.route === '(unmatched)')).toBeUndefined();
    expect(records.filter((record) => record.request_id === 'renew-1').map((record) => record.msg)).toEqual([expect.stringMatching(/^license renewed: /)]);
    expect(records.filter((record) => record.request_id === 'renew-refused-1')).toEqual([
      { ...refusedLine, request_id: 'renew-refused-1', method: 'POST', route: '/api/v1/phone-home', time: expect.any(String), duration_ms: expect.any(Number) },
    ]);
    const careless = records.filter((record) => record.context === 'Careless');
    expect(careless).toHaveLength(2);
    expect(careless[1]).toMatchObject({ level: 'error', err: { message: expect.stringMatching(/^cannot use \[REDACTED\]\s*$/) } });
  });
});
