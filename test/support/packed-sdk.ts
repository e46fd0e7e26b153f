import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

const ROOT = resolve(import.meta.dirname, '../..');
const run = promisify(execFile);

export type TenantSdk = typeof import('../../libs/tenant-sdk/src/index.js');

export interface PackedSdk {
  /** The SDK as a tenant plane installs it: the tarball's compiled code, imported in this process. */
  sdk: TenantSdk;
  remove(): void;
}

/**
 * `npm pack` of the SDK, extracted into an empty project beside nothing but its declared dependencies,
 * then imported here, so an end-to-end test drives the shipped code with the control plane's movable clock.
 */
export async function installPackedSdk(): Promise<PackedSdk> {
  const work = mkdtempSync(join(tmpdir(), 'sdk-packed-'));
  const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', work], { cwd: join(ROOT, 'libs/tenant-sdk'), timeout: 300_000 });
  const [packed] = JSON.parse(stdout) as { filename: string }[];
  const consumer = join(work, 'consumer');
  const installed = join(consumer, 'node_modules/@atlasai/tenant-sdk');
  mkdirSync(installed, { recursive: true });
  await run('tar', ['-xzf', join(work, packed!.filename), '-C', installed, '--strip-components=1']);
  for (const dependency of ['jose', 'zod']) symlinkSync(join(ROOT, 'node_modules', dependency), join(consumer, 'node_modules', dependency));
  writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  const sdk = (await import(pathToFileURL(join(installed, 'dist/tenant-sdk/src/index.js')).href)) as TenantSdk;
  return { sdk, remove: () => rmSync(work, { recursive: true, force: true }) };
}
