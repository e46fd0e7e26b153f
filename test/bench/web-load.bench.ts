/**
 * Web app benchmark: the production bundle of /console and /portal (JavaScript and CSS, gzip -9, as the
 * browser downloads them on first load) and their first-load time in Debian's Chromium against the
 * compiled control plane on localhost (embedded database, cold cache each run). Run: `npm run bench:web`.
 * Knobs: BENCH_RUNS (7), CHROMIUM_PATH (/usr/bin/chromium).
 */
import { chromium } from '@playwright/test';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { generateTestPrivateKeyPem } from '../support/test-keys.js';

const ROOT = resolve(import.meta.dirname, '../../..');
const DIST = join(ROOT, 'apps/web/dist');
const MAIN = join(ROOT, 'dist/apps/control-plane/src/main.js');
const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const APPS = [
  { name: 'portal', heading: 'Sign in to your portal' },
  { name: 'console', heading: 'Sign in' },
];

/** The files an app's index.html loads: its entry script, the chunks it preloads, its styles. */
function bundleOf(app: string): { js: number; css: number; files: string[] } {
  const html = readFileSync(join(DIST, app, 'index.html'), 'utf8');
  const files = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((match) => match[1]);
  let js = 0;
  let css = 0;
  for (const file of files) {
    const size = gzipSync(readFileSync(join(DIST, file)), { level: 9 }).length;
    if (file.endsWith('.js')) js += size;
    else css += size;
  }
  return { js, css, files };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((done) => server.close(() => done()));
  return port;
}

async function main(): Promise<void> {
  for (const app of APPS) {
    const bundle = bundleOf(app.name);
    console.log(`${app.name}: JavaScript ${(bundle.js / 1024).toFixed(1)} KB gzip, CSS ${(bundle.css / 1024).toFixed(1)} KB gzip (${bundle.files.join(', ')})`);
  }
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'la-bench-web-'));
  const env = { PATH: process.env.PATH ?? '', NODE_ENV: 'test', LOG_LEVEL: 'warn', HOST: '127.0.0.1', PORT: String(port), DATA_DIR: dataDir };
  const server = spawn(process.execPath, [MAIN], { env: { ...env, CP_LICENSE_PRIVATE_KEY: generateTestPrivateKeyPem() }, stdio: 'inherit' });
  const baseUrl = `http://127.0.0.1:${port}`;
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium' });
  try {
    for (
      let attempt = 0;
      !(await fetch(`${baseUrl}/api/health`).then(
        (response) => response.ok,
        () => false,
      ));
      attempt += 1
    ) {
      if (attempt > 960) throw new Error('the control plane did not start');
      await new Promise((done) => setTimeout(done, 250));
    }
    for (const app of APPS) {
      const visible: number[] = [];
      const loaded: number[] = [];
      for (let run = 0; run < RUNS; run += 1) {
        const context = await browser.newContext();
        const page = await context.newPage();
        const started = performance.now();
        await page.goto(`${baseUrl}/${app.name}`);
        await page.getByRole('heading', { name: app.heading }).waitFor();
        visible.push(performance.now() - started);
        loaded.push(Number(await page.evaluate("performance.getEntriesByType('navigation')[0].loadEventEnd")));
        await context.close();
      }
      console.log(
        `${app.name}: first load on localhost, cold cache, median of ${RUNS}: load event ${median(loaded).toFixed(0)} ms, sign-in form visible ${median(visible).toFixed(0)} ms`,
      );
    }
  } finally {
    await browser.close();
    server.kill('SIGTERM');
    await new Promise((done) => server.once('exit', done));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
