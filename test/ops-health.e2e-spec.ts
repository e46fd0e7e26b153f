import { startTestApp, type TestApp } from './support/test-app.js';

describe('health and readiness (end to end)', () => {
  const apps: TestApp[] = [];
  afterAll(async () => {
    for (const app of apps) await app.destroy();
  });

  it('is ready with the database, Redis and the signing key, and goes red when Postgres becomes unreachable', async () => {
    const cp = await startTestApp('ops_health', { env: { REDIS_URL: 'redis://127.0.0.1:6379', REDIS_KEY_PREFIX: 'la_ops_health' } });
    apps.push(cp);
    let ready = await cp.http('GET', '/api/health/ready');
    for (let attempt = 0; attempt < 20 && ready.status !== 200; attempt++) {
      // The readiness Redis connection may still be connecting right after boot.
      await new Promise((done) => setTimeout(done, 100));
      ready = await cp.http('GET', '/api/health/ready');
    }
    expect(ready).toMatchObject({
      status: 200,
      body: { status: 'ok', info: { database: { status: 'up' }, redis: { status: 'up' }, signing_key: { status: 'up', kid: expect.any(String) } } },
    });

    // Terminates every connection of the app (WITH FORCE) and removes its database.
    await cp.database.drop();

    const notReady = await cp.http('GET', '/api/health/ready', { headers: { 'x-request-id': 'probe-1' } });
    expect(notReady).toMatchObject({
      status: 503,
      body: {
        error: {
          code: 'NOT_READY',
          request_id: 'probe-1',
          details: { status: 'error', error: { database: { status: 'down' } }, info: { redis: { status: 'up' }, signing_key: { status: 'up' } } },
        },
      },
    });
    // Liveness does not depend on the database: an outage must not get the replica restarted.
    expect(await cp.http('GET', '/api/health')).toMatchObject({ status: 200, body: { status: 'ok' } });
  });

  it('is not ready when the configured Redis is unreachable', async () => {
    const cp = await startTestApp('ops_health_redis', { env: { REDIS_URL: 'redis://127.0.0.1:1' } });
    apps.push(cp);
    const ready = await cp.http('GET', '/api/health/ready');
    expect(ready).toMatchObject({
      status: 503,
      body: { error: { code: 'NOT_READY', details: { error: { redis: { status: 'down' } }, info: { database: { status: 'up' } } } } },
    });
  });

  it('does not check Redis when REDIS_URL is not set', async () => {
    const cp = await startTestApp('ops_health_noredis');
    apps.push(cp);
    const ready = await cp.http('GET', '/api/health/ready');
    expect(ready.status).toBe(200);
    expect(Object.keys(ready.body.details)).toEqual(['database', 'signing_key', 'clock']);
  });
});
