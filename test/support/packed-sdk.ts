import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';

export type TenantSdk = typeof import('@atlasai/tenant-sdk');
export type PackedSdkNest = typeof import('@atlasai/tenant-sdk/nest');

const ROOT = resolve(import.meta.dirname, '../..');
const run = promisify(execFile);
/**
 * `npm pack` rebuilds libs/tenant-sdk/dist (prepack): two test files packing at once would delete each other's build,
 * and a compiled CLI importing @atlasai/tenant-sdk meanwhile would find it missing.
 */
const PACK_LOCK = join(tmpdir(), 'la-tenant-sdk-pack.lock');
const STALE_LOCK_MS = 5 * 60_000;

export async function whileHoldingPackLock<T>(work: () => Promise<T>): Promise<T> {
  for (;;) {
    try {
      mkdirSync(PACK_LOCK);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      // A test process killed while packing leaves its lock behind.
      const age = Date.now() - (statSync(PACK_LOCK, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > STALE_LOCK_MS) rmSync(PACK_LOCK, { recursive: true, force: true });
      await sleep(250);
    }
  }
  try {
    return await work();
  } finally {
    rmSync(PACK_LOCK, { recursive: true, force: true });
  }
}

export interface PackedSdk {
  /** The empty project the tarball is installed in. */
  consumer: string;
  /** The files `npm pack` put in the tarball. */
  files: string[];
  /** The SDK as this process imports it from the installed tarball (not the sources). */
  sdk: TenantSdk;
  nest: PackedSdkNest;
  /** Runs an ES module in the consumer project, in its own process, with only `env` (and PATH) set; returns its stdout. */
  runModule(name: string, source: string, env: Record<string, string>): Promise<string>;
  /** Deletes the tarball and the consumer project. */
  remove(): void;
}

/**
 * `npm pack` of the SDK as a publisher runs it, then the tarball unpacked into an empty project with
 * nothing but its declared runtime dependencies (plus Nest, its optional peer, from this repository so
 * a test's Nest and the SDK's are one, and Node's types for type checks): what a tenant plane installs.
 */
export async function installPackedSdk(): Promise<PackedSdk> {
  const directory = mkdtempSync(join(tmpdir(), 'sdk-pack-'));
  const { stdout } = await whileHoldingPackLock(() =>
    run('npm', ['pack', '--json', '--pack-destination', directory], { cwd: join(ROOT, 'libs/tenant-sdk'), timeout: 180_000 }),
  );
  const [packed] = JSON.parse(stdout) as { filename: string; files: { path: string }[] }[];
  const consumer = join(directory, 'consumer');
  const installed = join(consumer, 'node_modules/@atlasai/tenant-sdk');
  mkdirSync(installed, { recursive: true });
  await run('tar', ['-xzf', join(directory, packed!.filename), '-C', installed, '--strip-components=1']);
  for (const dependency of ['jose', 'zod', '@nestjs/common', '@types/node']) {
    mkdirSync(join(consumer, 'node_modules', dependency, '..'), { recursive: true });
    symlinkSync(join(ROOT, 'node_modules', dependency), join(consumer, 'node_modules', dependency));
  }
  writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  const entry = (path: string) => pathToFileURL(join(installed, path)).href;
  return {
    consumer,
    files: packed!.files.map((file) => file.path).sort(),
    sdk: (await import(entry('dist/tenant-sdk/src/index.js'))) as TenantSdk,
    nest: (await import(entry('dist/tenant-sdk/src/nest-license-guard.js'))) as PackedSdkNest,
    runModule: async (name, source, env) => {
      writeFileSync(join(consumer, name), source);
      return (await run(process.execPath, [name], { cwd: consumer, env: { PATH: process.env.PATH ?? '', ...env } })).stdout;
    },
    remove: () => rmSync(directory, { recursive: true, force: true }),
  };
}
