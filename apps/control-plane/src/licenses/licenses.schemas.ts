import { z } from 'zod';
import { DEPLOYMENT_MODES, identifierSchema, LICENSE_STATUSES } from '@atlasai/license-core';
import { timeCursorSchema } from '../common/keyset-cursor.js';
import { tenantIdSchema } from '../tenants/tenants.schemas.js';
import { LICENSE_RECORD_STATUSES } from './license.entity.js';

/** An installation's label for people: `prod`, `staging`, `eu-west-dev`. */
export const environmentSchema = z
  .string()
  .trim()
  .regex(/^[a-z0-9][a-z0-9._-]{0,62}$/, 'environment: 1-63 characters of a-z, 0-9, ".", "_" and "-", starting with a letter or digit');

export const issueLicenseSchema = z.strictObject({
  tenant_id: tenantIdSchema,
  deployment_mode: z.enum(DEPLOYMENT_MODES).optional(),
  plan_id: identifierSchema.optional(),
  addons: z.array(identifierSchema).max(64).optional(),
  validity_days: z.number().int().min(1, 'must be at least 1 day').max(3650, 'must be at most 3650 days (10 years)').optional(),
  grace_period_days: z.number().int().min(0).max(365).optional(),
  read_only_period_days: z.number().int().min(0).max(365).optional(),
  fingerprint: z.string().trim().min(8).max(256).optional(),
  max_active_uses: z.number().int().min(1).max(10_000_000).optional(),
  /** How many machines may renew this installation at once (replicas with one ATLASAI_MACHINE_ID count once). */
  max_machines: z.number().int().min(1).max(1000).optional(),
  environment: environmentSchema.optional(),
  /** A license of the installation this one takes over: it becomes that lineage's head. */
  replaces: z.uuid('must be a license id (UUID)').optional(),
});
export type IssueLicenseInput = z.infer<typeof issueLicenseSchema>;

export const listLicensesSchema = z.strictObject({
  tenant_id: tenantIdSchema.optional(),
  status: z.enum(LICENSE_RECORD_STATUSES).optional(),
  environment: environmentSchema.optional(),
  lineage_id: z.uuid('must be a lineage id (UUID)').optional(),
  expiring_before: z.coerce.date().optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  offset: z.coerce.number().int().min(0).default(0),
  cursor: timeCursorSchema.optional(),
});
export type ListLicensesQuery = z.infer<typeof listLicensesSchema>;

export const revokeLicenseSchema = z.strictObject({ reason: z.string().trim().min(3, 'say why the license is revoked (3+ characters)').max(500) });

export const inspectLicenseSchema = z.strictObject({ token: z.string().max(16_384, 'a license token is at most 16 KiB') });

export const phaseStatusSchema = z.enum(LICENSE_STATUSES);
