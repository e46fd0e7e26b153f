import { z } from 'zod';
import { DEPLOYMENT_MODES, LICENSE_STATUSES, licenseClaimsSchema } from '@atlasai/license-core';
import { nextCursorField, timestamp } from '../openapi/api-reply.decorator.js';
import { LICENSE_RECORD_STATUSES } from './license.entity.js';

export const licenseClaimsResponse = licenseClaimsSchema.meta({ id: 'LicenseClaims', description: 'The signed claims (DESIGN.md).' });

const phaseStatus = z.enum(LICENSE_STATUSES.filter((status) => status !== 'invalid') as ['active', 'grace', 'read_only', 'locked']);

export const licenseResponse = z
  .object({
    id: z.uuid(),
    tenant_id: z.string(),
    plan_id: z.string(),
    deployment_mode: z.enum(DEPLOYMENT_MODES),
    status: z.enum(LICENSE_RECORD_STATUSES),
    phase: z.object({ status: phaseStatus, days_remaining: z.number().int(), phase_ends_at: timestamp.nullable() }),
    kid: z.string(),
    token_hint: z.string(),
    issued_by: z.string(),
    issued_at: timestamp,
    expires_at: timestamp,
    renewed_from: z.uuid().nullable(),
    lineage_id: z.uuid(),
    revoked_at: timestamp.nullable(),
    revoked_reason: z.string().nullable(),
    claims: licenseClaimsResponse,
  })
  .meta({ id: 'License', description: 'An issued license as the CP records it (never the token).' });

export const licenseListResponse = z.object({ items: z.array(licenseResponse), next_cursor: nextCursorField });

export const issuedLicenseResponse = z.object({
  token: z.string().describe('The signed license (compact JWS), returned only here.'),
  license: licenseResponse,
});

export const licenseInspectionResponse = z.union([
  z.object({
    valid: z.boolean().describe('false'),
    status: z.literal('invalid'),
    reason: z.string(),
    message: z.string(),
    kid: z.string().nullable(),
    token_hint: z.string(),
  }),
  z.object({
    valid: z.boolean().describe('true'),
    status: phaseStatus,
    days_remaining: z.number().int(),
    phase_ends_at: timestamp.nullable(),
    kid: z.string(),
    token_hint: z.string(),
    claims: licenseClaimsResponse,
    record: z
      .object({ id: z.uuid(), status: z.enum(LICENSE_RECORD_STATUSES), revoked_at: timestamp.nullable(), revoked_reason: z.string().nullable() })
      .nullable(),
  }),
]);
