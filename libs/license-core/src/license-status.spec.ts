import { computeLicensePhase, DAY_MS } from './license-status.js';

const exp = Date.UTC(2027, 1, 14) / 1000;
const claims = { exp, grace_period_days: 30, read_only_period_days: 30 };
const at = (ms: number) => new Date(exp * 1000 + ms);

describe('computeLicensePhase', () => {
  it('is active with whole days rounded up before exp', () => {
    expect(computeLicensePhase(claims, at(-365 * DAY_MS))).toEqual({ status: 'active', days_remaining: 365, phase_ends_at: new Date(exp * 1000) });
    expect(computeLicensePhase(claims, at(-1)).days_remaining).toBe(1);
    expect(computeLicensePhase(claims, at(-DAY_MS - 1)).days_remaining).toBe(2);
  });

  it('enters grace exactly at exp', () => {
    expect(computeLicensePhase(claims, at(-1)).status).toBe('active');
    expect(computeLicensePhase(claims, at(0))).toEqual({ status: 'grace', days_remaining: 30, phase_ends_at: at(30 * DAY_MS) });
  });

  it('moves to read_only 30 days after grace starts', () => {
    expect(computeLicensePhase(claims, at(30 * DAY_MS - 1))).toMatchObject({ status: 'grace', days_remaining: 1 });
    expect(computeLicensePhase(claims, at(30 * DAY_MS))).toEqual({ status: 'read_only', days_remaining: 30, phase_ends_at: at(60 * DAY_MS) });
  });

  it('locks exactly at exp + grace + read-only and stays locked', () => {
    expect(computeLicensePhase(claims, at(60 * DAY_MS - 1))).toMatchObject({ status: 'read_only', days_remaining: 1 });
    expect(computeLicensePhase(claims, at(60 * DAY_MS))).toEqual({ status: 'locked', days_remaining: 0, phase_ends_at: null });
    expect(computeLicensePhase(claims, at(4000 * DAY_MS)).status).toBe('locked');
  });

  it('skips empty phases when grace or read-only days are zero', () => {
    const strict = { exp, grace_period_days: 0, read_only_period_days: 0 };
    expect(computeLicensePhase(strict, at(0)).status).toBe('locked');
    expect(computeLicensePhase({ ...strict, read_only_period_days: 5 }, at(0))).toMatchObject({ status: 'read_only', days_remaining: 5 });
  });
});
