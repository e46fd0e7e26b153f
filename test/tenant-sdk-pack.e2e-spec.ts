import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { installPackedSdk, type PackedSdk } from './support/packed-sdk.js';
import { createTestSigner, licenseClaims } from './support/tenant-sdk-fixtures.js';

const ROOT = resolve(import.meta.dirname, '..');
const SDK = join(ROOT, 'libs/tenant-sdk');
const run = promisify(execFile);

/**
 * `npm pack` of the SDK as a publisher runs it, then the tarball installed in an empty directory
 * with nothing but its declared dependencies: it must import, type-check and verify a token there.
 */
describe('tenant SDK package (npm pack)', () => {
  let sdk: PackedSdk;
  let files: string[];
  let consumer: string;

  beforeAll(async () => {
    sdk = await installPackedSdk();
    consumer = sdk.consumer;
    files = sdk.files;
  }, 180_000);

  afterAll(() => sdk.remove());

  it('contains the compiled SDK and license core with typings, the README and package.json, and nothing else', () => {
    expect(files).toEqual(expect.arrayContaining(['README.md', 'package.json', 'dist/tenant-sdk/src/index.js', 'dist/tenant-sdk/src/index.d.ts']));
    expect(files).toEqual(
      expect.arrayContaining([
        'dist/tenant-sdk/src/nest-license-guard.js',
        'dist/license-core/src/license-token.js',
        'dist/license-core/src/license-token.d.ts',
      ]),
    );
    expect(files.filter((path) => !/^dist\/(tenant-sdk|license-core)\/src\/[a-z-]+\.(js|d\.ts)$/.test(path))).toEqual(['README.md', 'package.json']);
    expect(files.some((path) => path.includes('spec'))).toBe(false);
    // Nothing of the control plane is shipped.
    expect(files.some((path) => path.includes('control-plane'))).toBe(false);
    // license-core ships compiled next to the SDK, which imports it by relative path: nothing asks for the private workspace package.
    const installed = join(consumer, 'node_modules/@atlasai/tenant-sdk');
    expect(files.filter((path) => path.startsWith('dist/') && readFileSync(join(installed, path), 'utf8').includes('@atlasai/license-core'))).toEqual([]);
    // The build stays after packing: it is also what the repository's compiled CLI imports as @atlasai/tenant-sdk.
    expect(readFileSync(join(SDK, 'dist/tenant-sdk/src/index.js'), 'utf8')).toContain('../../license-core/src/index.js');
  });

  it('declares only jose and zod at runtime, Nest as an optional peer, and typed ESM exports', () => {
    const manifest = JSON.parse(readFileSync(join(consumer, 'node_modules/@atlasai/tenant-sdk/package.json'), 'utf8'));
    expect(Object.keys(manifest.dependencies).sort()).toEqual(['jose', 'zod']);
    expect(manifest.devDependencies).toBeUndefined();
    expect(manifest.peerDependenciesMeta).toEqual({ '@nestjs/common': { optional: true } });
    expect(manifest).toMatchObject({ name: '@atlasai/tenant-sdk', type: 'module', exports: { '.': { types: expect.stringMatching(/\.d\.ts$/) } } });
    const readme = readFileSync(join(consumer, 'node_modules/@atlasai/tenant-sdk/README.md'), 'utf8');
    const wiring = /## Wiring a NestJS tenant plane\n\n```ts\n([\s\S]*?)```/.exec(readme)![1]!;
    expect(wiring.trim().split('\n').length).toBeLessThan(30);
  });

  it('imports in an empty project and verifies a token with only the public key', async () => {
    const signer = await createTestSigner();
    const token = await signer.sign(licenseClaims(new Date(), { plan_name: 'Operations' }));
    const stdout = await sdk.runModule(
      'check.mjs',
      `import { createTenantLicensing } from '@atlasai/tenant-sdk';
const { license } = await createTenantLicensing({ tpVersion: '9.9.9' });
console.log(JSON.stringify(license.describe()));`,
      { ATLASAI_LICENSE_KEY: token, CP_LICENSE_PUBLIC_KEY: signer.publicKeyPem, LICENSE_ISSUER: 'https://cp.test.local' },
    );
    const [logLine, described] = stdout.trim().split('\n');
    expect(logLine).toBe('[license] Loaded from env: status=active, days_remaining=365');
    expect(JSON.parse(described!)).toMatchObject({ tp_version: '9.9.9', license: { status: 'active', valid: true, plan_name: 'Operations' } });
  });

  it('type-checks a consumer against the shipped declarations', async () => {
    writeFileSync(
      join(consumer, 'consumer.ts'),
      `import { decideAccess, TenantLicense, type LicenseDescription } from '@atlasai/tenant-sdk';
const decision = decideAccess('POST', '/api/incidents', 'grace');
const code: string = decision.allow ? 'allow' : decision.code;
export const describe = (license: TenantLicense): LicenseDescription['license']['status'] => license.describe().license.status;
export { code };
`,
    );
    writeFileSync(
      join(consumer, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext', target: 'es2023', strict: true, noEmit: true, types: ['node'] },
        files: ['consumer.ts'],
      }),
    );
    await expect(run(join(ROOT, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.json'], { cwd: consumer, timeout: 120_000 })).resolves.toBeDefined();
  }, 120_000);
});
