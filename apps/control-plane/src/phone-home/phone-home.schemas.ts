import { z } from 'zod';
import { idCursorSchema, timeCursorSchema } from '../common/keyset-cursor.js';
import { usageFiguresSchema } from '../usage/usage.schemas.js';

const isoDateTime = z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time, e.g. 2026-11-24T00:00:00Z' });

export const phoneHomeRequestSchema = z.object({
  /** May instead come as `Authorization: Bearer <license>`. */
  license: z.string().min(1, 'must not be empty').optional(),
  tp_version: z.string().trim().min(1, 'is required').max(64, 'must be at most 64 characters'),
  fingerprint: z
    .string()
    .min(1)
    .max(256, 'must be at most 256 characters')
    .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces')
    .optional(),
  usage: z
    .object({
      active_uses: z.number().int().nonnegative().max(100_000_000),
      period_start: isoDateTime,
      period_end: isoDateTime,
      /** Usage against the license's limits (optional: older SDKs do not send them). */
      ...usageFiguresSchema.shape,
    })
    .refine((usage) => !(Date.parse(usage.period_start) > Date.parse(usage.period_end)), {
      error: 'period_start must not be after period_end',
      path: ['period_end'],
    })
    .optional(),
});
export type PhoneHomeRequest = z.infer<typeof phoneHomeRequestSchema>;

export const activeUsesQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  before: isoDateTime.optional(),
});
export type ActiveUsesQuery = z.infer<typeof activeUsesQuerySchema>;

/** Newest first; `cursor` is the `next_cursor` of the previous page (`before` still narrows by time). */
export const phoneHomeHistoryQuerySchema = activeUsesQuerySchema.extend({ cursor: timeCursorSchema.optional() });
export type PhoneHomeHistoryQuery = z.infer<typeof phoneHomeHistoryQuerySchema>;

/** Newest first; `cursor` is the `next_cursor` of the previous page. */
export const cloneAlertsQuerySchema = z.object({
  tenant_id: z.string().min(1).max(64).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: timeCursorSchema.optional(),
});
export type CloneAlertsQuery = z.infer<typeof cloneAlertsQuerySchema>;

/** Silent installations, by tenant id: `cursor` is the `next_cursor` of the previous page. */
export const silentInstallationsQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: idCursorSchema.optional(),
});
export type SilentInstallationsQuery = z.infer<typeof silentInstallationsQuerySchema>;
