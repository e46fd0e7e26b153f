import { decideAccess, normalizePath, type EnforcementPolicy } from './enforcement.js';

const verdict = (method: string, path: string, status: Parameters<typeof decideAccess>[2], policy?: EnforcementPolicy) => {
  const decision = decideAccess(method, path, status, policy);
  return decision.allow ? 'allow' : decision.code;
};

describe('decideAccess', () => {
  it('blocks writes but not reads during grace, including methods it does not know', () => {
    expect(['GET', 'HEAD', 'OPTIONS', 'POST', 'PUT', 'PATCH', 'DELETE', 'PROPPATCH'].map((method) => verdict(method, '/api/incidents', 'grace'))).toEqual([
      'allow',
      'allow',
      'allow',
      'LICENSE_GRACE_READ_ONLY',
      'LICENSE_GRACE_READ_ONLY',
      'LICENSE_GRACE_READ_ONLY',
      'LICENSE_GRACE_READ_ONLY',
      'LICENSE_GRACE_READ_ONLY',
    ]);
  });

  it('allows only GET and HEAD when read-only', () => {
    expect(['get', 'HEAD', 'OPTIONS', 'POST'].map((method) => verdict(method, '/api/incidents', 'read_only'))).toEqual([
      'allow',
      'allow',
      'LICENSE_READ_ONLY',
      'LICENSE_READ_ONLY',
    ]);
  });

  it('keeps the health routes and the license route open in every state, writes included', () => {
    for (const status of ['locked', 'invalid', 'missing'] as const) {
      expect(verdict('GET', '/api/health', status)).toBe('allow');
      expect(verdict('GET', '/api/health/ready?verbose=1', status)).toBe('allow');
      expect(verdict('PUT', '/api/admin/license', status)).toBe('allow');
      expect(verdict('POST', '/api/admin/license/', status)).toBe('allow');
      expect(verdict('GET', '/api/incidents', status)).not.toBe('allow');
    }
  });

  it('opens exact routes only: nothing else under the health or license paths while locked', () => {
    for (const path of ['/api/health/debug/heap', '/api/health/ready/../../admin', '/api/admin/license/history', '/api/admin/license/x/delete']) {
      expect([path, verdict('POST', path, 'locked')]).toEqual([path, 'LICENSE_LOCKED']);
    }
  });

  it('does not mistake look-alike or traversing paths for the open routes', () => {
    expect(verdict('GET', '/api/healthz', 'locked')).toBe('LICENSE_LOCKED');
    expect(verdict('POST', '/api/health/../incidents', 'locked')).toBe('LICENSE_LOCKED');
    expect(verdict('POST', '/api/admin/license-keys', 'locked')).toBe('LICENSE_LOCKED');
    expect(verdict('GET', '/API/Health', 'locked')).toBe('allow');
  });

  it('lets routes be configured: other health and upload paths, and routes that need no license', () => {
    const policy: EnforcementPolicy = { healthPaths: ['/healthz'], licensePaths: ['/settings/license'], unlicensedPaths: ['/api/users/*', '/api/login'] };
    expect(verdict('GET', '/api/health', 'locked', policy)).toBe('LICENSE_LOCKED');
    expect(verdict('GET', '/healthz', 'locked', policy)).toBe('allow');
    expect(verdict('POST', '/settings/license', 'locked', policy)).toBe('allow');
    expect(verdict('POST', '/api/users', 'locked', policy)).toBe('allow');
    expect(decideAccess('POST', '/api/users/7', 'active', policy)).toEqual({ allow: true, licensed: false });
    expect(verdict('POST', '/api/login/anything', 'locked', policy)).toBe('LICENSE_LOCKED');
    expect(decideAccess('POST', '/api/work', 'active', policy)).toEqual({ allow: true, licensed: true });
  });

  it('names the state in each refusal', () => {
    expect(decideAccess('GET', '/x', 'missing')).toMatchObject({ allow: false, code: 'LICENSE_REQUIRED', message: expect.stringContaining('No license') });
    expect(decideAccess('GET', '/x', 'invalid')).toMatchObject({ code: 'LICENSE_INVALID', message: expect.stringContaining('invalid') });
    expect(decideAccess('GET', '/x', 'locked')).toMatchObject({ code: 'LICENSE_LOCKED', message: expect.stringContaining('upload') });
  });

  it('normalizes paths', () => {
    expect(normalizePath('/api//health/./x/../?a=b#c')).toBe('/api/health');
    expect(normalizePath('')).toBe('/');
    expect(normalizePath('api/Work/')).toBe('/api/work');
  });
});
