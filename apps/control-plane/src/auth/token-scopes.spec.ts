import { requiredScope, scopesBeyondRole } from './token-scopes.js';

describe('requiredScope', () => {
  it.each([
    ['GET', '/api/v1/licenses', 'licenses:read'],
    ['POST', '/api/v1/licenses', 'licenses:write'],
    ['POST', '/api/v1/licenses/:id/revoke', 'licenses:write'],
    ['POST', '/api/v1/licenses/inspect', 'licenses:read'],
    ['GET', '/api/v1/tenants/:id/entitlements', 'entitlements:read'],
    ['GET', '/api/v1/tenants/:id/phone-homes', 'licenses:read'],
    ['GET', '/api/v1/silent-installations', 'licenses:read'],
    ['PUT', '/api/v1/tenants/:tenantId/subscription', 'tenants:write'],
    ['POST', '/api/v1/tenants/:id/login-links', 'tenants:write'],
    ['PUT', '/api/v1/addons/:id/prices', 'plans:write'],
    ['GET', '/api/v1/billing/stripe-events', 'billing:read'],
    ['GET', '/api/v1/audit-events', 'audit:read'],
    ['POST', '/api/v1/tokens/:id/rotate', 'tokens:write'],
    ['POST', '/api/v1/sessions/:id/revoke', 'sessions:write'],
  ])('%s %s needs %s', (method, path, scope) => {
    expect(requiredScope(method, path)).toBe(scope);
  });

  it('leaves routes no scope covers out of reach', () => {
    expect(requiredScope('POST', '/api/v1/billing/checkout-sessions')).toBeUndefined();
    expect(requiredScope('GET', '/api/v1/something-new')).toBeUndefined();
  });
});

describe('scopesBeyondRole', () => {
  it('refuses write scopes to viewers and token scopes to support', () => {
    expect(scopesBeyondRole('viewer', ['licenses:read', 'licenses:write'])).toEqual(['licenses:write']);
    expect(scopesBeyondRole('support', ['tokens:read', 'tenants:write'])).toEqual(['tokens:read']);
    expect(scopesBeyondRole('admin', ['tokens:write', 'sessions:write'])).toEqual([]);
  });

  it('gives service tokens nothing but entitlements:read', () => {
    expect(scopesBeyondRole('service', ['entitlements:read', 'tenants:read'])).toEqual(['tenants:read']);
  });
});
