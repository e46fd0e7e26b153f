import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const ROOT = resolve(import.meta.dirname, '../..');
const run = promisify(execFile);

export interface PackedSdk {
  /** The empty project the tarball is installed in. */
  consumer: string;
  /** The files `npm pack` put in the tarball. */
  files: string[];
  /** Runs an ES module in the consumer project with only `env` (and PATH) set; returns its stdout. */
  runModule(name: string, source: string, env: Record<string, string>): Promise<string>;
}

/**
 * `npm pack` of the SDK as a publisher runs it, then the tarball unpacked into an empty project with
 * nothing but its declared runtime dependencies: what a tenant plane's developer installs.
 */
export async function installPackedSdk(): Promise<PackedSdk> {
  const work = mkdtempSync(join(tmpdir(), 'sdk-pack-'));
  const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', work], { cwd: join(ROOT, 'libs/tenant-sdk'), timeout: 120_000 });
  const [packed] = JSON.parse(stdout) as { filename: string; files: { path: string }[] }[];
  const consumer = join(work, 'consumer');
  const installed = join(consumer, 'node_modules/@atlasai/tenant-sdk');
  mkdirSync(installed, { recursive: true });
  await run('tar', ['-xzf', join(work, packed!.filename), '-C', installed, '--strip-components=1']);
  // Only the declared runtime dependencies (and, for type checks, Node's types) are made available.
  for (const dependency of ['jose', 'zod', '@types/node']) {
    mkdirSync(join(consumer, 'node_modules', dependency, '..'), { recursive: true });
    symlinkSync(join(ROOT, 'node_modules', dependency), join(consumer, 'node_modules', dependency));
  }
  writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  return {
    consumer,
    files: packed!.files.map((file) => file.path).sort(),
    runModule: async (name, source, env) => {
      writeFileSync(join(consumer, name), source);
      return (await run(process.execPath, [name], { cwd: consumer, env: { PATH: process.env.PATH ?? '', ...env } })).stdout;
    },
  };
}
