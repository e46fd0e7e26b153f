import { z } from 'zod';
import { timeCursorSchema } from '../common/keyset-cursor.js';
import { tenantIdSchema } from '../tenants/tenants.schemas.js';
import { NOTIFICATION_STAGES, NOTIFICATION_STATUSES } from './notification.entity.js';

export const listNotificationsSchema = z.strictObject({
  tenant_id: tenantIdSchema.optional(),
  stage: z.enum(NOTIFICATION_STAGES).optional(),
  status: z.enum(NOTIFICATION_STATUSES).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  offset: z.coerce.number().int().min(0).default(0),
  cursor: timeCursorSchema.optional(),
});
export type ListNotificationsQuery = z.infer<typeof listNotificationsSchema>;
