import { z } from 'zod';
import { timestamp } from '../openapi/api-reply.decorator.js';
import { licenseResponse } from '../licenses/licenses.responses.js';
import { LICENSE_RECORD_STATUSES } from '../licenses/license.entity.js';
import { planResponse } from '../plans/plans.responses.js';
import { BILLING_INTERVALS, SUBSCRIPTION_STATUSES } from '../subscriptions/subscription.entity.js';
import { accessLevelResponse } from '../subscriptions/subscriptions.responses.js';
import { tenantResponse } from '../tenants/tenants.responses.js';

export const portalAccountResponse = z.object({
  tenant: tenantResponse,
  access: accessLevelResponse,
  subscription: z
    .object({
      status: z.enum(SUBSCRIPTION_STATUSES),
      plan_id: z.string(),
      plan_name: z.string(),
      addons: z.array(z.string()),
      billing_interval: z.enum(BILLING_INTERVALS),
      grace_ends_at: timestamp.nullable().describe('While past due: when access is suspended.'),
      grace_days_left: z.number().int().nullable(),
      managed_by_stripe: z.boolean(),
    })
    .nullable(),
});

export const portalLicensesResponse = z.object({
  items: z.array(licenseResponse),
  installations: z.array(
    z.object({
      lineage_id: z.uuid(),
      license_id: z.uuid().nullable(),
      license_status: z.enum(LICENSE_RECORD_STATUSES).nullable(),
      phase: licenseResponse.shape.phase.nullable(),
      expires_at: timestamp.nullable(),
      last_phone_home_at: timestamp,
      last_result: z.string(),
      tp_version: z.string(),
      fingerprint: z.string().nullable(),
    }),
  ),
});

export const licenseDownloadResponse = z.object({
  license_id: z.uuid(),
  token: z.string().describe('The license (compact JWS): the tenant plane reads it from ATLASAI_LICENSE_KEY or a file.'),
  public_key_pem: z.string().describe('The key that verifies it (CP_LICENSE_PUBLIC_KEY).'),
});

export const dailyActiveUsesResponse = z.object({
  tenant_id: z.string(),
  days: z.number().int(),
  items: z.array(z.object({ day: z.string().describe('YYYY-MM-DD (UTC)'), active_uses: z.number().int(), reports: z.number().int() })),
});

export const purchasablePlansResponse = z.object({
  items: z.array(planResponse.extend({ billing_intervals: z.array(z.enum(BILLING_INTERVALS)) })),
});
