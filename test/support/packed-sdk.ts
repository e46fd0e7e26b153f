import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

export type PackedSdk = typeof import('../../libs/tenant-sdk/src/index.js');
export type PackedSdkNest = typeof import('../../libs/tenant-sdk/src/nest-license-guard.js');

const ROOT = resolve(import.meta.dirname, '../..');
const run = promisify(execFile);

/**
 * `npm pack` of the SDK installed into a scratch node_modules beside only its runtime dependencies
 * (and Nest, its optional peer, from this repository so the test's Nest and the SDK's are one), then
 * imported from there: the tests exercise the tarball a tenant plane would install, not the sources.
 */
export async function installPackedSdk(): Promise<{ sdk: PackedSdk; nest: PackedSdkNest; directory: string }> {
  const directory = mkdtempSync(join(tmpdir(), 'sdk-packed-'));
  const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', directory], { cwd: join(ROOT, 'libs/tenant-sdk'), timeout: 120_000 });
  const [packed] = JSON.parse(stdout) as { filename: string }[];
  const installed = join(directory, 'node_modules/@atlasai/tenant-sdk');
  mkdirSync(installed, { recursive: true });
  await run('tar', ['-xzf', join(directory, packed!.filename), '-C', installed, '--strip-components=1']);
  for (const dependency of ['jose', 'zod', '@nestjs/common']) {
    mkdirSync(join(directory, 'node_modules', dependency, '..'), { recursive: true });
    symlinkSync(join(ROOT, 'node_modules', dependency), join(directory, 'node_modules', dependency));
  }
  const entry = (path: string) => pathToFileURL(join(installed, path)).href;
  return {
    sdk: (await import(entry('dist/tenant-sdk/src/index.js'))) as PackedSdk,
    nest: (await import(entry('dist/tenant-sdk/src/nest-license-guard.js'))) as PackedSdkNest,
    directory,
  };
}
