import { decideSubscriptionAccess, type SubscriptionStanding } from './subscription-access.js';

const standing = (access: SubscriptionStanding['access'], extra: Partial<SubscriptionStanding> = {}): SubscriptionStanding => ({
  access,
  subscription_status: access === 'full' ? 'active' : access === 'read_only' ? 'past_due' : 'suspended',
  grace_ends_at: access === 'read_only' ? '2026-12-01T00:00:00.000Z' : null,
  portal_url: 'https://portal.example',
  ...extra,
});

describe('subscription access level', () => {
  it.each(['GET', 'POST', 'DELETE'])('full allows %s', (method) => {
    expect(decideSubscriptionAccess(method, '/api/incidents', standing('full'))).toEqual({ allow: true });
  });

  it('read_only allows GET and HEAD, refuses writes with the grace end and the portal', () => {
    expect(decideSubscriptionAccess('GET', '/api/incidents', standing('read_only'))).toEqual({ allow: true });
    expect(decideSubscriptionAccess('head', '/api/incidents', standing('read_only'))).toEqual({ allow: true });
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']) {
      expect(decideSubscriptionAccess(method, '/api/incidents', standing('read_only'))).toMatchObject({
        allow: false,
        denial: { statusCode: 403, code: 'SUBSCRIPTION_PAST_DUE', grace_ends_at: '2026-12-01T00:00:00.000Z', portal_url: 'https://portal.example' },
      });
    }
  });

  it('blocked allows only the health route, exactly', () => {
    expect(decideSubscriptionAccess('GET', '/api/health', standing('blocked'))).toEqual({ allow: true });
    expect(decideSubscriptionAccess('GET', '/api/health/', standing('blocked'))).toEqual({ allow: true });
    for (const path of ['/api/incidents', '/api/health/../incidents', '/api/healthz', '/api/health/details']) {
      expect(decideSubscriptionAccess('GET', path, standing('blocked'))).toMatchObject({
        allow: false,
        denial: { code: 'SUBSCRIPTION_SUSPENDED', portal_url: 'https://portal.example' },
      });
    }
  });

  it('answers 503 ENTITLEMENTS_UNAVAILABLE, not a block, while nothing is known yet', () => {
    expect(decideSubscriptionAccess('GET', '/api/incidents', undefined)).toMatchObject({
      allow: false,
      denial: { statusCode: 503, code: 'ENTITLEMENTS_UNAVAILABLE' },
    });
    expect(decideSubscriptionAccess('GET', '/api/health', undefined)).toEqual({ allow: true });
  });
});
