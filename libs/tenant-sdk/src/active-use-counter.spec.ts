import { DAY_MS } from '@atlasai/license-core';
import { AUDIENCE, createTestSigner, ISSUER, licenseClaims, manualClock, memoryLogger } from '../../../test/support/tenant-sdk-fixtures.js';
import { ActiveUseCounter } from './active-use-counter.js';
import { TenantLicense } from './tenant-license.js';
import { loadTrustedKeys } from './trusted-keys.js';

const start = new Date('2026-03-01T00:00:00.000Z');
const at = (ms: number) => new Date(start.getTime() + ms);

describe('ActiveUseCounter', () => {
  it('counts unique machine/user pairs in a rolling 24 hours', () => {
    const counter = new ActiveUseCounter();
    counter.record('m1', 'alice', at(0));
    counter.record('m1', 'alice', at(1000));
    counter.record('m2', 'alice', at(2000));
    counter.record('m1', 'bob', at(3000));
    expect(counter.count(at(3000))).toBe(3);
    // m1/alice was last seen at +1 s, so it drops out exactly 24 h later.
    expect(counter.count(at(DAY_MS + 999))).toBe(3);
    expect(counter.count(at(DAY_MS + 1000))).toBe(2);
    expect(counter.report(at(DAY_MS + 3000))).toEqual({ active_uses: 0, period_start: at(3000).toISOString(), period_end: at(DAY_MS + 3000).toISOString() });
  });

  it('refuses a new pair at the cap while existing pairs continue, and frees a slot when one goes idle', () => {
    const counter = new ActiveUseCounter();
    expect(counter.record('m1', 'alice', at(0), 2)).toEqual({ allow: true, count: 1 });
    expect(counter.record('m2', 'bob', at(10), 2)).toEqual({ allow: true, count: 2 });
    expect(counter.record('m3', 'carol', at(20), 2)).toMatchObject({ allow: false, code: 'ACTIVE_USE_LIMIT_REACHED', count: 2 });
    expect(counter.record('m1', 'alice', at(HOUR), 2)).toMatchObject({ allow: true });
    // bob has been idle for 24 h: carol takes his slot, and bob is now the one refused.
    expect(counter.record('m3', 'carol', at(DAY_MS + 10), 2)).toEqual({ allow: true, count: 2 });
    expect(counter.record('m2', 'bob', at(DAY_MS + 20), 2)).toMatchObject({ allow: false, code: 'ACTIVE_USE_LIMIT_REACHED' });
  });

  it('does not confuse pairs whose parts contain separators', () => {
    const counter = new ActiveUseCounter();
    counter.record('a:b', 'c', at(0));
    counter.record('a', 'b:c', at(0));
    expect(counter.count(at(0))).toBe(2);
  });
});

const HOUR = 3_600_000;

describe('active uses through TenantLicense.authorize', () => {
  it('enforces max_active_uses on licensed routes only and reports the count', async () => {
    const signer = await createTestSigner();
    const clock = manualClock(start);
    const license = await TenantLicense.load({
      keys: await loadTrustedKeys(signer.publicKeyPem),
      issuer: ISSUER,
      audience: AUDIENCE,
      tpVersion: '1.0.0',
      token: await signer.sign(licenseClaims(start, { max_active_uses: 1 })),
      policy: { unlicensedPaths: ['/api/users'] },
      clock,
      logger: memoryLogger(),
    });
    expect(license.authorize({ method: 'GET', path: '/api/work', machine: 'm1', user: 'alice' })).toMatchObject({ allow: true });
    expect(license.authorize({ method: 'GET', path: '/api/work', machine: 'm2', user: 'bob' })).toMatchObject({
      allow: false,
      code: 'ACTIVE_USE_LIMIT_REACHED',
    });
    expect(license.authorize({ method: 'POST', path: '/api/users', machine: 'm2', user: 'bob' })).toMatchObject({ allow: true });
    expect(license.authorize({ method: 'GET', path: '/api/work', machine: 'm1', user: 'alice' })).toMatchObject({ allow: true });
    expect(license.activeUseReport()).toMatchObject({ active_uses: 1, period_end: start.toISOString() });
    clock.advance(DAY_MS);
    expect(license.authorize({ method: 'GET', path: '/api/work', machine: 'm2', user: 'bob' })).toMatchObject({ allow: true });
  });
});
