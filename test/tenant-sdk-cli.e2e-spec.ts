import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { machineFingerprint } from '@atlasai/tenant-sdk';
import { assertLibraryBuilt, compileApp } from './support/control-plane-process.js';
import { whileHoldingPackLock } from './support/packed-sdk.js';

const run = promisify(execFile);

/** `licensectl fingerprint`, seed 004's Locking Code Generator, compiled into a directory of its own (the shared dist/ is left alone). */
describe('licensectl fingerprint (compiled CLI)', () => {
  let outDir: string;
  // The CLI imports the SDK's build, which a test packing the SDK rebuilds meanwhile.
  const cli = (env: Record<string, string>) =>
    whileHoldingPackLock(() => {
      assertLibraryBuilt('tenant-sdk');
      return run(process.execPath, [join(outDir, 'apps/cli/src/main.js'), 'fingerprint'], { env: { PATH: process.env.PATH ?? '', ...env }, timeout: 60_000 });
    });

  beforeAll(async () => {
    outDir = await compileApp('la-cli-dist-');
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
