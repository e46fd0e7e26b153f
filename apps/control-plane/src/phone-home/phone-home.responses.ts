import { z } from 'zod';
import { nextCursorField, timestamp } from '../openapi/api-reply.decorator.js';

export const phoneHomeReplyResponse = z.object({
  license: z.string().describe('The renewed license (compact JWS).'),
  license_id: z.uuid(),
  issued_at: z.iso.datetime(),
  expires_at: z.iso.datetime(),
  renewed_from: z.uuid().nullable(),
});

const phoneHomeCall = z
  .object({
    id: z.uuid(),
    called_at: timestamp,
    license_id: z.uuid(),
    lineage_id: z.uuid(),
    result: z.string().describe('`renewed`, `resent`, or the refusal code.'),
    renewed_license_id: z.uuid().nullable(),
    tp_version: z.string(),
    source_address: z.string().nullable(),
    fingerprint: z.string().nullable(),
    usage: z.object({ active_uses: z.number().int(), period_start: timestamp.nullable(), period_end: timestamp.nullable() }).nullable(),
  })
  .meta({ id: 'PhoneHome' });

export const phoneHomeHistoryResponse = z.object({
  tenant_id: z.string(),
  last_successful_phone_home: phoneHomeCall.nullable(),
  items: z.array(phoneHomeCall),
  next_cursor: nextCursorField,
});

export const activeUsesResponse = z.object({
  tenant_id: z.string(),
  items: z.array(
    z.object({
      reported_at: timestamp,
      active_uses: z.number().int().nullable(),
      period_start: timestamp.nullable(),
      period_end: timestamp.nullable(),
      license_id: z.uuid(),
    }),
  ),
});

export const cloneAlertListResponse = z.object({
  next_cursor: nextCursorField,
  items: z.array(
    z.object({
      id: z.uuid(),
      tenant_id: z.string(),
      license_id: z.uuid(),
      lineage_id: z.uuid(),
      reason: z.enum(['stale_token', 'fingerprint_conflict']),
      details: z.record(z.string(), z.unknown()),
      source_address: z.string().nullable(),
      fingerprint: z.string().nullable(),
      detected_at: timestamp,
    }),
  ),
});

export const silentInstallationListResponse = z.object({
  silence_hours: z.number().int().describe('PHONE_HOME_SILENCE_HOURS: an installation not heard from for longer is silent.'),
  next_cursor: z.string().nullable(),
  items: z.array(
    z
      .object({
        tenant_id: z.string(),
        tenant_name: z.string(),
        contact_email: z.string(),
        license_id: z.uuid().describe("The tenant's newest active BYOC license."),
        lineage_id: z.uuid(),
        environment: z.string().nullable(),
        plan_name: z.string().nullable(),
        issued_at: timestamp,
        expires_at: timestamp,
        last_phone_home_at: timestamp.nullable().describe('The last successful phone-home; null when it never phoned home.'),
        silent_hours: z.number().int().describe('Hours since the last successful phone-home (or since the license was issued).'),
      })
      .meta({ id: 'SilentInstallation' }),
  ),
});
