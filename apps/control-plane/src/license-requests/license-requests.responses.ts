import { z } from 'zod';
import { DEPLOYMENT_MODES } from '@atlasai/license-core';
import { licenseResponse } from '../licenses/licenses.responses.js';
import { timestamp } from '../openapi/api-reply.decorator.js';
import { LICENSE_REQUEST_KINDS, LICENSE_REQUEST_STATUSES } from './license-request.entity.js';

export const licenseRequestResponse = z
  .object({
    id: z.uuid(),
    tenant_id: z.string(),
    kind: z.enum(LICENSE_REQUEST_KINDS),
    status: z.enum(LICENSE_REQUEST_STATUSES),
    deployment_mode: z.enum(DEPLOYMENT_MODES),
    environment: z.string().nullable(),
    fingerprint: z.string().nullable().describe('The machine locking code the license is to be bound to.'),
    plan_id: z.string(),
    addons: z.array(z.string()),
    needs_plan_change: z.boolean().describe('The plan or add-ons asked for go beyond the subscription.'),
    replaces_license_id: z.uuid().nullable(),
    note: z.string().nullable(),
    requested_by: z.string(),
    created_at: timestamp,
    decided_by: z.string().nullable(),
    decided_at: timestamp.nullable(),
    decision_reason: z.string().nullable().describe('Why it was declined (the customer reads it), or a note on the approval.'),
    license_id: z.uuid().nullable().describe('The license issued on approval.'),
  })
  .meta({ id: 'LicenseRequest', description: 'A request for a license and its decision.' });

export const licenseRequestPageResponse = z.object({
  items: z.array(licenseRequestResponse),
  counts: z.object(
    Object.fromEntries(LICENSE_REQUEST_STATUSES.map((status) => [status, z.number().int()])) as Record<(typeof LICENSE_REQUEST_STATUSES)[number], z.ZodNumber>,
  ),
  next_cursor: z.string().nullable(),
});

export const approvedLicenseRequestResponse = z.object({
  request: licenseRequestResponse,
  token: z.string().describe('The signed license (compact JWS), returned only here and in the license_issued email.'),
  license: licenseResponse,
});
