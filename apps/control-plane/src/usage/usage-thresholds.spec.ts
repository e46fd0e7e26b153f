import { limitAlerts, usageAgainst, usagePeriod } from './usage-thresholds.js';

const limits = { users: 25, data_volume_gb: 100, ai_credits: null };

describe('usage thresholds', () => {
  it('warns from 80% and says reached from 100%, one stage per limit', () => {
    expect(limitAlerts({ users: 19 }, limits)).toEqual([]);
    expect(limitAlerts({ users: 20 }, limits)).toEqual([{ limit: 'users', stage: 'limit_warning', current: 20, allowed: 25, percent: 80 }]);
    expect(limitAlerts({ users: 30, data_volume_gb: 99.9 }, limits)).toEqual([
      { limit: 'users', stage: 'limit_reached', current: 30, allowed: 25, percent: 120 },
      { limit: 'data_volume_gb', stage: 'limit_warning', current: 99.9, allowed: 100, percent: 99.9 },
    ]);
  });

  it('never alerts for an unlimited or a zero limit, a figure not reported, or no plan', () => {
    expect(limitAlerts({ ai_credits: 1e9 }, limits)).toEqual([]);
    expect(limitAlerts({ users: 5 }, { users: 0 })).toEqual([]);
    expect(limitAlerts({}, limits)).toEqual([]);
    expect(limitAlerts({ users: 100 }, null)).toEqual([]);
  });

  it('shows usage against a limit as a percentage, none when unlimited or unreported', () => {
    expect(usageAgainst(12.5, 100)).toEqual({ current: 12.5, limit: 100, percent: 12.5 });
    expect(usageAgainst(3, null)).toEqual({ current: 3, limit: null, percent: null });
    expect(usageAgainst(null, 25)).toEqual({ current: null, limit: 25, percent: null });
  });

  it('counts periods in calendar months, UTC', () => {
    expect(usagePeriod(new Date('2026-11-30T23:59:59Z'))).toBe('2026-11');
    expect(usagePeriod(new Date('2026-12-01T00:00:00Z'))).toBe('2026-12');
  });
});
