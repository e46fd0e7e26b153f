import { z } from 'zod';

export const DEPLOYMENT_MODES = ['on_prem', 'byoc'] as const;
export type LicenseDeploymentMode = (typeof DEPLOYMENT_MODES)[number];

/** A limit is a non-negative integer; null means unlimited. */
export const limitValueSchema = z.number().int().nonnegative().nullable();

export const planLimitsSchema = z.strictObject({
  users: limitValueSchema,
  data_volume_gb: limitValueSchema,
  ai_credits: limitValueSchema,
  retention_days: limitValueSchema,
});
export type PlanLimits = z.infer<typeof planLimitsSchema>;

const identifier = z.string().regex(/^[a-z][a-z0-9_-]{0,63}$/, 'lower-case identifier: a-z, 0-9, "_" or "-"');

export const licenseClaimsSchema = z.object({
  iss: z.string().min(1),
  aud: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
  sub: z.string().min(1),
  tenant_id: z.string().min(1),
  jti: z.uuid(),
  iat: z.number().int().nonnegative(),
  nbf: z.number().int().nonnegative(),
  exp: z.number().int().positive(),
  plan_id: identifier,
  plan_name: z.string().min(1),
  limits: planLimitsSchema,
  modules: z.array(identifier),
  addons: z.array(identifier),
  deployment_mode: z.enum(DEPLOYMENT_MODES),
  grace_period_days: z.number().int().nonnegative(),
  read_only_period_days: z.number().int().nonnegative(),
  fingerprint: z.string().min(1).max(256).optional(),
  max_active_uses: z.number().int().positive().optional(),
  renewed_from: z.uuid().optional(),
});
export type LicenseClaims = z.infer<typeof licenseClaimsSchema>;

export const identifierSchema = identifier;

/**
 * The claims with their keys in the contract's order. Postgres `jsonb` stores keys in its own order,
 * and RS256 is only deterministic over identical bytes: re-signing stored claims reproduces the
 * issued token exactly when both go through this function.
 */
export function canonicalLicenseClaims(claims: LicenseClaims): LicenseClaims {
  const canonical = inKeyOrder(claims, CLAIM_ORDER);
  return claims.limits ? { ...canonical, limits: inKeyOrder(claims.limits, LIMIT_ORDER) } : canonical;
}

const CLAIM_ORDER = Object.keys(licenseClaimsSchema.shape);
const LIMIT_ORDER = Object.keys(planLimitsSchema.shape);

/** Known keys first in the given order, then any others as they came; validation is not this function's job. */
function inKeyOrder<T extends object>(value: T, order: string[]): T {
  const entries = Object.entries(value).filter(([, v]) => v !== undefined);
  const rank = (key: string) => (order.includes(key) ? order.indexOf(key) : order.length);
  return Object.fromEntries(entries.sort(([a], [b]) => rank(a) - rank(b))) as T;
}
