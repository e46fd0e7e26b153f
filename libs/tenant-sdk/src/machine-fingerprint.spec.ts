import { machineFingerprint, readMachineFacts, type MachineFacts } from './machine-fingerprint.js';

const facts =
  (overrides: Partial<MachineFacts> = {}) =>
  () => ({ hostname: 'tp-01.acme.internal', diskId: 'uuid:1b2c', macs: ['AA:BB:CC:00:11:22'], ...overrides });

describe('machineFingerprint', () => {
  it('is a SHA-256 of the canonical parts, so no raw hardware id leaves the machine', () => {
    const code = machineFingerprint({}, facts());
    expect(code).toEqual({ fingerprint: expect.stringMatching(/^[0-9a-f]{64}$/), source: 'hardware', parts: ['hostname', 'disk', 'mac'] });
    expect(JSON.stringify(code)).not.toMatch(/tp-01|1b2c|aa:bb/i);
  });

  it('is stable across case, MAC order and duplicates, and changes with any part', () => {
    const base = machineFingerprint({}, facts({ macs: ['aa:bb:cc:00:11:22', '02:00:00:00:00:01'] })).fingerprint;
    expect(
      machineFingerprint({}, facts({ hostname: 'TP-01.acme.internal', macs: ['02:00:00:00:00:01', 'AA:BB:CC:00:11:22', 'aa:bb:cc:00:11:22'] })).fingerprint,
    ).toBe(base);
    expect(machineFingerprint({}, facts({ hostname: 'tp-02.acme.internal', macs: ['aa:bb:cc:00:11:22', '02:00:00:00:00:01'] })).fingerprint).not.toBe(base);
    expect(machineFingerprint({}, facts({ diskId: 'uuid:ffff', macs: ['aa:bb:cc:00:11:22', '02:00:00:00:00:01'] })).fingerprint).not.toBe(base);
    expect(machineFingerprint({}, facts({ macs: ['aa:bb:cc:00:11:23'] })).fingerprint).not.toBe(base);
  });

  it('uses ATLASAI_MACHINE_ID instead of hardware when the operator sets it', () => {
    let hardwareReads = 0;
    const code = machineFingerprint({ ATLASAI_MACHINE_ID: ' cluster-7/tenant-plane ' }, () => (hardwareReads++, facts()()));
    expect(code).toEqual({ fingerprint: expect.stringMatching(/^[0-9a-f]{64}$/), source: 'ATLASAI_MACHINE_ID', parts: ['machine_id'] });
    expect(hardwareReads).toBe(0);
    expect(machineFingerprint({ ATLASAI_MACHINE_ID: 'cluster-7/tenant-plane' }).fingerprint).toBe(code.fingerprint);
    expect(machineFingerprint({ ATLASAI_MACHINE_ID: 'cluster-8/tenant-plane' }).fingerprint).not.toBe(code.fingerprint);
  });

  it('reads this machine and gives the same code twice', () => {
    expect(readMachineFacts().hostname.length).toBeGreaterThan(0);
    expect(machineFingerprint({}).fingerprint).toBe(machineFingerprint({}).fingerprint);
  });
});
