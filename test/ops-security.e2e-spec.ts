import { startTestApp, type TestApp } from './support/test-app.js';

describe('security headers and CORS (end to end)', () => {
  const apps: TestApp[] = [];
  afterAll(async () => {
    for (const app of apps) await app.destroy();
  });

  it('sends helmet security headers and keeps CORS closed by default', async () => {
    const cp = await startTestApp('ops_security');
    apps.push(cp);
    const response = await cp.http('GET', '/api/health', { headers: { origin: 'https://evil.example' } });
    expect(response.status).toBe(200);
    expect(Object.fromEntries(response.headers)).toMatchObject({
      'content-security-policy': expect.stringContaining("default-src 'self'"),
      'strict-transport-security': expect.stringContaining('max-age='),
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'SAMEORIGIN',
      'referrer-policy': 'no-referrer',
    });
    expect(response.headers.get('x-powered-by')).toBeNull();
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
    const preflight = await cp.http('OPTIONS', '/api/v1/licenses', {
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    });
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('answers CORS only for the origins listed in CORS_ORIGINS', async () => {
    const cp = await startTestApp('ops_security_cors', { env: { CORS_ORIGINS: 'https://console.atlas.example, https://ops.atlas.example' } });
    apps.push(cp);
    const allowed = await cp.http('OPTIONS', '/api/v1/licenses', {
      headers: { origin: 'https://ops.atlas.example', 'access-control-request-method': 'POST' },
    });
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://ops.atlas.example');
    const other = await cp.http('GET', '/api/health', { headers: { origin: 'https://evil.example' } });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });
});
