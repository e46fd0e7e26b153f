import { normalizePath } from './enforcement.js';

/** The control plane's access level for a SaaS or dedicated tenant (DESIGN.md, "Subscriptions"). */
export type AccessLevel = 'full' | 'read_only' | 'blocked';

export interface SubscriptionStanding {
  access: AccessLevel;
  subscription_status: string | null;
  grace_ends_at: string | null;
  /** Where the customer pays and reactivates. */
  portal_url: string;
}

export type SubscriptionDenyCode = 'SUBSCRIPTION_PAST_DUE' | 'SUBSCRIPTION_SUSPENDED' | 'ENTITLEMENTS_UNAVAILABLE';

export interface SubscriptionDenial {
  statusCode: 403 | 503;
  code: SubscriptionDenyCode;
  message: string;
  access?: AccessLevel;
  grace_ends_at?: string | null;
  portal_url?: string;
}

export type SubscriptionDecision = { allow: true } | { allow: false; denial: SubscriptionDenial };

export interface SubscriptionPolicy {
  /** Reachable whatever the access level; matched exactly (after normalization), not as prefixes. */
  healthPaths: readonly string[];
}

export const DEFAULT_SUBSCRIPTION_POLICY: SubscriptionPolicy = { healthPaths: ['/api/health'] };

const READS = new Set(['GET', 'HEAD']);

/**
 * Whether a request may proceed at the tenant's access level: `full` everything, `read_only`
 * (past due) only GET/HEAD, `blocked` only health. `standing` undefined means the plane has never
 * learned its entitlements (no cache, control plane unreachable since start): that is a 503, not a
 * block, because nothing says the customer stopped paying.
 */
export function decideSubscriptionAccess(
  method: string,
  path: string,
  standing: SubscriptionStanding | undefined,
  policy: SubscriptionPolicy = DEFAULT_SUBSCRIPTION_POLICY,
): SubscriptionDecision {
  const route = normalizePath(path);
  if (policy.healthPaths.some((health) => normalizePath(health) === route)) return { allow: true };
  if (!standing) {
    return {
      allow: false,
      denial: {
        statusCode: 503,
        code: 'ENTITLEMENTS_UNAVAILABLE',
        message: 'This tenant plane has not yet received its entitlements from the control plane; retry shortly.',
      },
    };
  }
  switch (standing.access) {
    case 'full':
      return { allow: true };
    case 'read_only':
      if (READS.has(method.toUpperCase())) return { allow: true };
      return {
        allow: false,
        denial: {
          statusCode: 403,
          code: 'SUBSCRIPTION_PAST_DUE',
          message: `A payment failed: the subscription is past due and writes are suspended${
            standing.grace_ends_at ? ` until it is paid; all access is blocked after ${standing.grace_ends_at}` : ''
          }. Pay at ${standing.portal_url}.`,
          access: standing.access,
          grace_ends_at: standing.grace_ends_at,
          portal_url: standing.portal_url,
        },
      };
    case 'blocked':
      return {
        allow: false,
        denial: {
          statusCode: 403,
          code: 'SUBSCRIPTION_SUSPENDED',
          message: `The subscription is ${standing.subscription_status ?? 'not active'}: all API access is blocked. Reactivate it at ${standing.portal_url}.`,
          access: standing.access,
          portal_url: standing.portal_url,
        },
      };
  }
}
