import { test as base } from '@playwright/test';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runCli } from '../support/cli.js';
import { freePort } from '../support/control-plane-process.js';
import { FakeStripe } from '../support/fake-stripe.js';
import { SmtpSink } from '../support/smtp-sink.js';
import { createTestDatabase } from '../support/test-database.js';
import { generateTestPrivateKeyPem } from '../support/test-keys.js';
import { httpCall, type TestResponse } from '../support/http-call.js';
import type { TestApp } from '../support/test-app.js';

const MAIN = resolve(import.meta.dirname, '../../dist/apps/control-plane/src/main.js');

/** The compiled control plane as `npm start` runs it, on its own Postgres database, the fake Stripe and an SMTP sink. */
export interface ControlPlane {
  baseUrl: string;
  env: Record<string, string>;
  stripe: FakeStripe;
  mail: SmtpSink;
  /** A staff token created with the CLI, as an operator would. */
  token(role: 'admin' | 'support' | 'viewer', name: string): Promise<string>;
  http(method: string, path: string, options?: { token?: string; body?: unknown }): Promise<TestResponse>;
  /** What FakeStripe needs to deliver signed webhooks to this process (its clock is the real one). */
  asTestApp(): TestApp;
}

async function waitForHealth(baseUrl: string, child: ChildProcess, output: () => string): Promise<void> {
  for (let attempt = 0; attempt < 240; attempt += 1) {
    if (child.exitCode !== null) throw new Error(`the control plane exited (${child.exitCode}):\n${output()}`);
    const healthy = await fetch(`${baseUrl}/api/health/ready`).then(
      (response) => response.ok,
      () => false,
    );
    if (healthy) return;
    await new Promise((done) => setTimeout(done, 250));
  }
  throw new Error(`the control plane did not become ready:\n${output()}`);
}

/** More for the control plane: a port known in advance (an IdP's redirect URL names it) and extra environment. */
export interface ControlPlaneOptions {
  port?: number;
  env?: Record<string, string>;
}

export const test = base.extend<object, { cp: ControlPlane; cpOptions: ControlPlaneOptions }>({
  cpOptions: [{}, { scope: 'worker', option: true }],
  cp: [
    async ({ cpOptions }, use) => {
      const [database, stripe, mail, port] = await Promise.all([createTestDatabase('web'), FakeStripe.start(), SmtpSink.start(), cpOptions.port ?? freePort()]);
      const dataDir = mkdtempSync(join(tmpdir(), 'la-web-'));
      const baseUrl = `http://127.0.0.1:${port}`;
      const env: Record<string, string> = {
        NODE_ENV: 'test',
        LOG_LEVEL: 'warn',
        HOST: '127.0.0.1',
        PORT: String(port),
        DATA_DIR: dataDir,
        DATABASE_URL: database.url,
        DATABASE_POOL_SIZE: '5',
        CP_LICENSE_PRIVATE_KEY: generateTestPrivateKeyPem(),
        SMTP_URL: mail.url,
        PORTAL_URL: `${baseUrl}/portal`,
        CHECKOUT_SUCCESS_URL: `${baseUrl}/portal?checkout=success`,
        CHECKOUT_CANCEL_URL: `${baseUrl}/portal?checkout=canceled`,
        NOTIFICATION_RELAY_INTERVAL_MS: '200',
        ...stripe.env(),
        ...cpOptions.env,
      };
      let output = '';
      const child = spawn(process.execPath, ['--enable-source-maps', MAIN], {
        env: { PATH: process.env.PATH ?? '', ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
      await waitForHealth(baseUrl, child, () => output);
      const clock = { now: () => new Date() };
      const http = (method: string, path: string, options?: { token?: string; body?: unknown }) => httpCall(baseUrl, method, path, options);
      const cp: ControlPlane = {
        baseUrl,
        env,
        stripe,
        mail,
        http,
        token: async (role, name) => {
          const cli = await runCli(['tokens', 'create', '--role', role, '--name', name], {
            DATABASE_URL: database.url,
            CP_LICENSE_PRIVATE_KEY: env.CP_LICENSE_PRIVATE_KEY,
            NODE_ENV: 'test',
          });
          if (cli.code !== 0) throw new Error(`tokens create: ${cli.stderr}`);
          return (JSON.parse(cli.stdout) as { token: string }).token;
        },
        asTestApp: () =>
          ({
            baseUrl,
            clock,
            http: (method: string, path: string, options: { rawBody?: string; headers?: Record<string, string> } = {}) =>
              httpCall(baseUrl, method, path, options),
          }) as unknown as TestApp,
      };
      await use(cp);
      child.kill('SIGTERM');
      await new Promise((done) => child.once('exit', done));
      await Promise.all([stripe.close(), mail.close(), database.drop()]);
      rmSync(dataDir, { recursive: true, force: true });
    },
    { scope: 'worker', timeout: 120_000 },
  ],
});

export { expect } from '@playwright/test';
