import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeProtectedHeader } from 'jose';
import { runCli } from './support/cli.js';
import { installPackedSdk, type PackedSdk } from './support/packed-sdk.js';
import { tenantWithLicense } from './support/phone-home-fixtures.js';
import { ISSUER, memoryLogger } from './support/tenant-sdk-fixtures.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';
import { generateTestPrivateKeyPem } from './support/test-keys.js';

const LIMITS = { PHONE_HOME_RATE_LIMIT_PER_LICENSE: '1000', PHONE_HOME_RATE_LIMIT_PER_ADDRESS: '100000' };

/**
 * `licensectl keys rotate` endorses the next key with the active one; a tenant plane given only the old
 * public key follows the endorsement (phone-home reply, or the chain shipped with a license) to the new one.
 */
describe('signing key rollover by endorsement (end to end, packed SDK)', () => {
  let database: TestDatabase;
  let packed: PackedSdk;
  let directory: string;
  let cp: TestApp;
  let support: string;
  let oldPublicKeyPem: string;
  let oldKid: string;
  let newKid: string;
  let plane: Awaited<ReturnType<PackedSdk['sdk']['createTenantLicensing']>>;
  let planeEnv: Record<string, string>;
  const oldPrivateKey = generateTestPrivateKeyPem();

  const boot = (env: Record<string, string>) =>
    packed.sdk.createTenantLicensing({ env: { LICENSE_ISSUER: ISSUER, ...env }, tpVersion: '4.2.0', clock: cp.clock, logger: memoryLogger() });

  beforeAll(async () => {
    packed = await installPackedSdk();
    directory = mkdtempSync(join(tmpdir(), 'key-rollover-'));
    database = await createTestDatabase('rollover');
    cp = await startTestApp('rollover', { database, env: { ...LIMITS, CP_LICENSE_PRIVATE_KEY: oldPrivateKey } });
    support = await cp.token('support');
    oldPublicKeyPem = (await cp.http('GET', '/api/v1/public-key')).text;
  }, 400_000);

  afterAll(async () => {
    await cp.destroy();
    packed.remove();
    rmSync(directory, { recursive: true, force: true });
  });

  it('stages the next key with `keys rotate`: published and endorsed by the active key before anything is signed with it', async () => {
    const first = await tenantWithLicense(cp, support, { id: 'rollover-co' });
    oldKid = decodeProtectedHeader(first).kid!;
    planeEnv = {
      ATLASAI_LICENSE_KEY: first,
      CP_LICENSE_PUBLIC_KEY: oldPublicKeyPem,
      ATLASAI_CP_URL: cp.baseUrl,
      ATLASAI_MACHINE_ID: 'rollover-prod',
      ATLASAI_LICENSE_FILE: join(directory, 'license.jwt'),
    };
    plane = await boot(planeEnv);
    expect(await plane.phoneHome!.phoneHome()).toMatchObject({ outcome: 'renewed' });

    const nextKeyFile = join(directory, 'next-signing-key.pem');
    const rotated = await runCli(['keys', 'rotate', '--out', nextKeyFile, '--bits', '2048'], {
      DATABASE_URL: cp.database.url,
      CP_LICENSE_PRIVATE_KEY: oldPrivateKey,
      NODE_ENV: 'test',
    });
    expect(rotated).toMatchObject({ code: 0 });
    const staged = JSON.parse(rotated.stdout);
    expect(staged).toMatchObject({ private_key_file: nextKeyFile, endorsed_by: oldKid });
    newKid = staged.kid;

    cp.clock.advance(120_000);
    const chain = (await cp.http('GET', '/.well-known/license-key-chain.json')).body;
    expect(chain).toMatchObject({
      active_kid: oldKid,
      keys: [
        { kid: oldKid, endorsed_by: null },
        { kid: newKid, endorsed_by: oldKid },
      ],
    });
    const jwks = (await cp.http('GET', '/.well-known/jwks.json')).body;
    expect(jwks.keys.map((key: { kid: string }) => key.kid)).toEqual([oldKid, newKid]);

    await cp.close();
    cp = await startTestApp('rollover', { database, clock: cp.clock, env: { ...LIMITS, CP_LICENSE_PRIVATE_KEY: readFileSync(nextKeyFile, 'utf8') } });
    support = await cp.token('support');
    planeEnv.ATLASAI_CP_URL = cp.baseUrl;
  }, 200_000);

  it('renews a plane that was given only the old key, which learns the new key and still verifies after a restart', async () => {
    cp.clock.advanceDays(1);
    const running = await boot(planeEnv);
    expect(await running.phoneHome!.phoneHome()).toMatchObject({ outcome: 'renewed' });
    expect(decodeProtectedHeader(running.license.token!).kid).toBe(newKid);
    expect(running.license.status()).toMatchObject({ status: 'active', valid: true });
    const renewed = running.license.token!;

    const restarted = await boot(planeEnv);
    expect(restarted.license.token).toBe(renewed);
    expect(restarted.license.status()).toMatchObject({ status: 'active', valid: true });
    cp.clock.advanceDays(1);
    expect(await restarted.phoneHome!.phoneHome()).toMatchObject({ outcome: 'renewed' });

    // Without the state file the learned key is gone: the old key alone cannot verify the new token.
    const forgetful = await boot({ CP_LICENSE_PUBLIC_KEY: oldPublicKeyPem, ATLASAI_LICENSE_KEY: renewed, ATLASAI_OFFLINE_MODE: '1' });
    expect(forgetful.license.status()).toMatchObject({ valid: false, reason: 'UNKNOWN_KID' });
  });

  it('accepts an on-prem upload of a license signed with the new key together with its chain', async () => {
    await tenantWithLicense(cp, support, { id: 'airgap-rollover', mode: 'on_prem' });
    const issued = await cp.http('POST', '/api/v1/licenses', { token: support, body: { tenant_id: 'airgap-rollover' } });
    expect(decodeProtectedHeader(issued.body.token).kid).toBe(newKid);
    const onPrem = await boot({ CP_LICENSE_PUBLIC_KEY: oldPublicKeyPem, ATLASAI_OFFLINE_MODE: '1' });
    expect(await onPrem.license.replace(issued.body.token)).toMatchObject({ accepted: false, code: 'LICENSE_INVALID', reason: 'UNKNOWN_KID' });
    const accepted = await onPrem.license.replace(issued.body.token, { keyChain: issued.body.key_chain });
    expect(accepted).toMatchObject({ accepted: true, status: 'active', license_id: issued.body.license.id });
  });
});
