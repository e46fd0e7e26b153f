import type { NestExpressApplication } from '@nestjs/platform-express';
import type { DestinationStream } from 'pino';
import { createApp } from '../../apps/control-plane/src/app.factory.js';
import { ApiTokenService } from '../../apps/control-plane/src/auth/api-token.service.js';
import type { StaffRole } from '../../apps/control-plane/src/auth/api-token.entity.js';
import type { Clock } from '../../apps/control-plane/src/common/clock.js';
import { loadConfig, type AppConfig } from '../../apps/control-plane/src/config/app-config.js';
import { httpCall, type TestResponse } from './http-call.js';
import { MovableClock } from './movable-clock.js';
import { createTestDatabase, type TestDatabase } from './test-database.js';
import { generateTestPrivateKeyPem } from './test-keys.js';

export interface TestApp {
  app: NestExpressApplication;
  baseUrl: string;
  config: AppConfig;
  clock: MovableClock;
  database: TestDatabase;
  /** Creates a staff token directly (the CLI path is tested on its own); a `service` token needs its tenant. */
  token(role: StaffRole, tenantId?: string): Promise<string>;
  http(method: string, path: string, options?: { token?: string; body?: unknown; rawBody?: string; headers?: Record<string, string> }): Promise<TestResponse>;
  /** Stops the app; the database survives until `drop`. */
  close(): Promise<void>;
  /** Stops the app and drops its database. */
  destroy(): Promise<void>;
}

export interface TestAppOptions {
  env?: Record<string, string>;
  clock?: MovableClock;
  /** The replica's own clock, compared with the database's (default: the system clock). */
  machineClock?: Clock;
  database?: TestDatabase;
  /** Captures the JSON log lines; without it the app logs nothing. */
  logs?: DestinationStream;
  /** A fixed loopback port (default: any free one), for callers that must know the URL before the app boots. */
  port?: number;
}

/** Boots the real app on a fresh Postgres database and a loopback port. */
export async function startTestApp(label: string, options: TestAppOptions = {}): Promise<TestApp> {
  const database = options.database ?? (await createTestDatabase(label));
  const clock = options.clock ?? new MovableClock();
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'error',
    ...(database.dataDir ? { DATA_DIR: database.dataDir } : { DATABASE_URL: database.url }),
    DATABASE_POOL_SIZE: '5',
    CP_LICENSE_PRIVATE_KEY: generateTestPrivateKeyPem(),
    LICENSE_ISSUER: 'https://cp.test.local',
    LICENSE_AUDIENCE: 'atlasai-tenant-plane',
    ...options.env,
  });
  const app = await createApp(config, { clock, machineClock: options.machineClock, ...(options.logs ? { logDestination: options.logs } : { logger: false }) });
  await app.listen(options.port ?? 0, '127.0.0.1');
  const address = app.getHttpServer().address() as { port: number };
  const baseUrl = `http://127.0.0.1:${address.port}`;
  const close = () => app.close();
  return {
    app,
    baseUrl,
    config,
    clock,
    database,
    close,
    destroy: async () => {
      await close();
      await database.drop();
    },
    // Fixture tokens never expire, so tests that move the clock by years keep their callers; expiry has its own tests.
    token: async (role, tenantId) =>
      (
        await app
          .get(ApiTokenService)
          .create({ name: `test-${role}`, role, tenantId, expiresAt: 'never', neverExpiresReason: 'test fixture' }, { actor: 'test', requestId: null })
      ).token,
    http: (method, path, request = {}) => httpCall(baseUrl, method, path, request),
  };
}
