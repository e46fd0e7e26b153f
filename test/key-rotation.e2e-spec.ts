import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { phoneHome, tenantWithLicense } from './support/phone-home-fixtures.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';
import { generateTestPrivateKeyPem } from './support/test-keys.js';

describe('signing key rotation', () => {
  let database: TestDatabase;
  let cp: TestApp | undefined;

  beforeAll(async () => {
    database = await createTestDatabase('rotation');
  });

  afterAll(async () => {
    await cp?.close();
    await database.drop();
  });

  it('keeps verifying tokens signed before a rotation, and signs new ones with the new kid', async () => {
    cp = await startTestApp('rotation', { database, env: { CP_LICENSE_PRIVATE_KEY: generateTestPrivateKeyPem() } });
    let support = await cp.token('support');
    await cp.http('POST', '/api/v1/tenants', {
      token: support,
      body: { id: 'acme', name: 'Acme', contact_email: 'ops@acme.example', deployment_mode: 'on_prem' },
    });
    const before = (await cp.http('POST', '/api/v1/licenses', { token: support, body: { tenant_id: 'acme', plan_id: 'core' } })).body.token;
    const byocBefore = await tenantWithLicense(cp, support, { id: 'byoc-co' });
    const oldKid = decodeProtectedHeader(before).kid;
    await cp.close();

    cp = await startTestApp('rotation', { database, env: { CP_LICENSE_PRIVATE_KEY: generateTestPrivateKeyPem() } });
    support = await cp.token('support');
    const after = (await cp.http('POST', '/api/v1/licenses', { token: support, body: { tenant_id: 'acme', plan_id: 'core' } })).body.token;
    const newKid = decodeProtectedHeader(after).kid;
    expect(newKid).not.toEqual(oldKid);

    const jwks = (await cp.http('GET', '/.well-known/jwks.json')).body;
    expect(jwks.keys.map((key: { kid: string }) => key.kid)).toEqual([oldKid, newKid]);
    const keySet = createLocalJWKSet(jwks);
    for (const token of [before, after]) {
      await expect(jwtVerify(token, keySet, { algorithms: ['RS256'], currentDate: cp.clock.now() })).resolves.toBeTruthy();
    }
    const inspected = await cp.http('POST', '/api/v1/licenses/inspect', { token: support, body: { token: before } });
    expect(inspected.body).toMatchObject({ valid: true, kid: oldKid, status: 'active' });

    // A BYOC tenant plane still holding a token of the old key phones home and gets one of the new key.
    const renewed = await phoneHome(cp, byocBefore);
    expect(renewed.status).toBe(200);
    expect(decodeProtectedHeader(renewed.body.license).kid).toBe(newKid);
  });

  it('publishes and endorses a key staged with CP_LICENSE_NEXT_PRIVATE_KEY_FILE, and signs with it only once it is the active key', async () => {
    await cp?.close();
    const directory = mkdtempSync(join(tmpdir(), 'next-key-'));
    const nextKey = generateTestPrivateKeyPem();
    const nextKeyFile = join(directory, 'next.pem');
    writeFileSync(nextKeyFile, nextKey, { mode: 0o600 });
    try {
      cp = await startTestApp('rotation', { database, env: { CP_LICENSE_NEXT_PRIVATE_KEY_FILE: nextKeyFile } });
      const support = await cp.token('support');
      const chain = (await cp.http('GET', '/.well-known/license-key-chain.json')).body;
      const staged = chain.keys.at(-1);
      expect(staged).toMatchObject({ endorsed_by: chain.active_kid, endorsement: expect.any(String) });
      expect(staged.kid).not.toBe(chain.active_kid);
      const before = (await cp.http('POST', '/api/v1/licenses', { token: support, body: { tenant_id: 'acme', plan_id: 'core' } })).body;
      expect(decodeProtectedHeader(before.token).kid).toBe(chain.active_kid);
      expect(before.key_chain.map((link: { kid: string }) => link.kid)).toContain(staged.kid);
      await cp.close();

      cp = await startTestApp('rotation', { database, env: { CP_LICENSE_PRIVATE_KEY: nextKey } });
      const after = (await cp.http('POST', '/api/v1/licenses', { token: await cp.token('support'), body: { tenant_id: 'acme', plan_id: 'core' } })).body;
      expect(decodeProtectedHeader(after.token).kid).toBe(staged.kid);
      expect((await cp.http('GET', '/.well-known/license-key-chain.json')).body).toMatchObject({ active_kid: staged.kid });
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });
});
