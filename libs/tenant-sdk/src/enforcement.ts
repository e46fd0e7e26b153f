import { posix } from 'node:path';
import type { LicenseStatus } from '@atlasai/license-core';

/** A license status as enforcement sees it: `missing` when no license is configured at all. */
export type EnforcementStatus = LicenseStatus | 'missing';

export type DenyCode = 'LICENSE_REQUIRED' | 'LICENSE_INVALID' | 'LICENSE_GRACE_READ_ONLY' | 'LICENSE_READ_ONLY' | 'LICENSE_LOCKED' | 'ACTIVE_USE_LIMIT_REACHED';

export type AccessDecision = { allow: true; licensed: boolean } | { allow: false; code: DenyCode; message: string };

/**
 * Every list names exact routes: `/api/health` opens that route only, never `/api/health/anything`, so a
 * route added under an open path later is not left open by accident while locked. An entry ending in
 * `/*` opens the sub-paths too (`/api/users/*` opens `/api/users` and everything under it), on purpose.
 */
export interface EnforcementPolicy {
  /** Always reachable (default `/api/health`, `/api/health/live`, `/api/health/ready`). */
  healthPaths: readonly string[];
  /** The license upload, status and banner routes, always reachable so a locked tenant plane can be fixed (default `/api/admin/license`, `/api/admin/license/banner`). */
  licensePaths: readonly string[];
  /** Routes that need no license at all, e.g. admin setup, login (seed 004's unlicensed endpoints). */
  unlicensedPaths: readonly string[];
}

export const DEFAULT_ENFORCEMENT_POLICY: EnforcementPolicy = {
  healthPaths: ['/api/health', '/api/health/live', '/api/health/ready'],
  licensePaths: ['/api/admin/license', '/api/admin/license/banner'],
  unlicensedPaths: [],
};

const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const READ_METHODS = new Set(['GET', 'HEAD']);

/**
 * Whether a request may proceed in a license state (DESIGN.md, "License status"). Pure: the
 * adapters (Nest guard, middleware) only translate a deny into a 403.
 * `licensed` tells the caller the route needs a license, so it counts as an active use.
 */
export function decideAccess(method: string, path: string, status: EnforcementStatus, policy: EnforcementPolicy = DEFAULT_ENFORCEMENT_POLICY): AccessDecision {
  const route = normalizePath(path);
  const verb = method.toUpperCase();
  if (matchesAny(route, policy.healthPaths) || matchesAny(route, policy.licensePaths) || matchesAny(route, policy.unlicensedPaths)) {
    return { allow: true, licensed: false };
  }
  switch (status) {
    case 'active':
      return { allow: true, licensed: true };
    case 'grace':
      return WRITE_METHODS.has(verb) || !isKnownMethod(verb)
        ? deny('LICENSE_GRACE_READ_ONLY', 'The license has expired and is in its grace period: writes are blocked. Upload a new license.')
        : { allow: true, licensed: true };
    case 'read_only':
      return READ_METHODS.has(verb)
        ? { allow: true, licensed: true }
        : deny('LICENSE_READ_ONLY', 'The license grace period is over: only reads (GET) are allowed. Upload a new license urgently.');
    case 'locked':
      return deny('LICENSE_LOCKED', 'The license and its grace periods have expired: only health and the license upload are available.');
    case 'invalid':
      return deny('LICENSE_INVALID', 'The license is invalid: only health and the license upload are available. Check CP_LICENSE_PUBLIC_KEY.');
    case 'missing':
      return deny('LICENSE_REQUIRED', 'No license is configured: only health and the license upload are available.');
  }
}

function deny(code: DenyCode, message: string): AccessDecision {
  return { allow: false, code, message };
}

function isKnownMethod(verb: string): boolean {
  return READ_METHODS.has(verb) || verb === 'OPTIONS' || WRITE_METHODS.has(verb);
}

/** Drops the query, resolves `.`/`..` segments and case, so `/api/health/../tenants` is not mistaken for health. */
export function normalizePath(path: string): string {
  const withoutQuery = path.split(/[?#]/, 1)[0] ?? '';
  const normalized = posix.normalize(`/${withoutQuery}`).toLowerCase();
  return normalized.length > 1 && normalized.endsWith('/') ? normalized.slice(0, -1) : normalized;
}

function matchesAny(route: string, entries: readonly string[]): boolean {
  return entries.some((entry) => {
    if (!entry.endsWith('/*')) return route === normalizePath(entry);
    const base = normalizePath(entry.slice(0, -2));
    return route === base || route.startsWith(`${base}/`);
  });
}
