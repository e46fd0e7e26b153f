import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { machineFingerprint } from '../libs/tenant-sdk/src/machine-fingerprint.js';

const ROOT = resolve(import.meta.dirname, '..');
const run = promisify(execFile);

/** `licensectl fingerprint`, seed 004's Locking Code Generator, compiled into a directory of its own (the shared dist/ is left alone). */
describe('licensectl fingerprint (compiled CLI)', () => {
  let outDir: string;
  const cli = (env: Record<string, string>) =>
    run(process.execPath, [join(outDir, 'apps/cli/src/main.js'), 'fingerprint'], { env: { PATH: process.env.PATH ?? '', ...env }, timeout: 60_000 });

  beforeAll(async () => {
    outDir = mkdtempSync(join(tmpdir(), 'la-cli-dist-'));
    await run(
      'npx',
      ['swc', 'apps', 'libs', 'prisma-free-migrations', '-d', outDir, '--config-file', '.swcrc', '--ignore', '**/*.spec.ts,**/dist/**,apps/web/**', '-q'],
      {
        cwd: ROOT,
        timeout: 120_000,
      },
    );
    writeFileSync(join(outDir, 'package.json'), JSON.stringify({ type: 'module' }));
    symlinkSync(join(ROOT, 'node_modules'), join(outDir, 'node_modules'));
  }, 180_000);

  afterAll(() => outDir && rmSync(outDir, { recursive: true, force: true }));

  it('prints the hardware locking code without any configuration, the same the SDK computes', async () => {
    const { stdout } = await cli({});
    expect(JSON.parse(stdout)).toEqual({ ...machineFingerprint({}), parts: expect.arrayContaining(['hostname']) });
    expect(JSON.parse(stdout).fingerprint).toBe(machineFingerprint({}).fingerprint);
  });

  it('uses ATLASAI_MACHINE_ID when the operator sets one', async () => {
    const { stdout } = await cli({ ATLASAI_MACHINE_ID: 'cluster-7/tp' });
    expect(JSON.parse(stdout)).toEqual({
      fingerprint: machineFingerprint({ ATLASAI_MACHINE_ID: 'cluster-7/tp' }).fingerprint,
      source: 'ATLASAI_MACHINE_ID',
      parts: ['machine_id'],
    });
  });
});
