import { z } from 'zod';
import { DEPLOYMENT_MODES, identifierSchema } from '@atlasai/license-core';
import { environmentSchema } from '../licenses/licenses.schemas.js';
import { tenantIdSchema } from '../tenants/tenants.schemas.js';
import { LICENSE_REQUEST_KINDS, LICENSE_REQUEST_STATUSES } from './license-request.entity.js';

/** The output of `licensectl fingerprint`: SHA-256 in hex. Checked here so a typo is caught when asking, not at install. */
export const lockingCodeSchema = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[0-9a-f]{64}$/, 'a machine locking code is the 64 hexadecimal characters printed by `licensectl fingerprint`');

const uuidSchema = z.uuid('must be a license id (UUID)');

export const createLicenseRequestSchema = z.strictObject({
  tenant_id: tenantIdSchema,
  kind: z.enum(LICENSE_REQUEST_KINDS),
  /** Defaults to the replaced license's mode, else the tenant's (on_prem or byoc). */
  deployment_mode: z.enum(DEPLOYMENT_MODES).optional(),
  environment: environmentSchema.optional(),
  fingerprint: lockingCodeSchema.optional(),
  /** Defaults to the subscription's plan; another plan only with kind `upgrade`. */
  plan_id: identifierSchema.optional(),
  addons: z.array(identifierSchema).max(64).optional(),
  /** Required for `renewal` and `replacement`: the license taken over. */
  replaces_license_id: uuidSchema.optional(),
  note: z.string().trim().max(2000).optional(),
});
export type CreateLicenseRequestInput = z.infer<typeof createLicenseRequestSchema>;

/** Support may edit the terms before approving; anything left out is taken from the request. */
export const approveLicenseRequestSchema = z.strictObject({
  plan_id: identifierSchema.optional(),
  addons: z.array(identifierSchema).max(64).optional(),
  deployment_mode: z.enum(DEPLOYMENT_MODES).optional(),
  fingerprint: lockingCodeSchema.optional(),
  validity_days: z.number().int().min(1, 'must be at least 1 day').max(3650, 'must be at most 3650 days (10 years)').optional(),
  max_active_uses: z.number().int().min(1).max(10_000_000).optional(),
  note: z.string().trim().max(2000).optional(),
});
export type ApproveLicenseRequestInput = z.infer<typeof approveLicenseRequestSchema>;

export const declineLicenseRequestSchema = z.strictObject({
  reason: z.string().trim().min(3, 'say why the request is declined (3+ characters); the customer reads it').max(2000),
});

export const listLicenseRequestsSchema = z.strictObject({
  status: z.enum(LICENSE_REQUEST_STATUSES).optional(),
  tenant_id: tenantIdSchema.optional(),
  kind: z.enum(LICENSE_REQUEST_KINDS).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  /** `oldest` first (support's queue, the default) or `newest` first (a customer's own history). */
  order: z.enum(['oldest', 'newest']).default('oldest'),
  /** `next_cursor` of the previous page (with the same `order`). */
  cursor: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,200}$/, 'pass the next_cursor of the previous page unchanged')
    .optional(),
});
export type ListLicenseRequestsQuery = z.infer<typeof listLicenseRequestsSchema>;
