import { z } from 'zod';
import { nextCursorField, timestamp } from '../openapi/api-reply.decorator.js';
import { NOTIFICATION_STAGES, NOTIFICATION_STATUSES } from './notification.entity.js';

const factValue = z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(z.string())]);

export const notificationResponse = z
  .object({
    id: z.uuid(),
    tenant_id: z.string().nullable(),
    stage: z.enum(NOTIFICATION_STAGES),
    recipient: z.string(),
    status: z.enum(NOTIFICATION_STATUSES),
    attempts: z.number().int(),
    last_error: z.string().nullable(),
    facts: z.record(z.string(), factValue),
    attachments: z.array(z.string()).describe('File names only; the contents are never shown.'),
    resends: z.number().int(),
    created_at: timestamp,
    queued_at: timestamp.nullable(),
    next_attempt_at: timestamp.nullable(),
    sent_at: timestamp.nullable(),
    failed_at: timestamp.nullable(),
  })
  .meta({ id: 'Notification' });

export const notificationListResponse = z.object({ items: z.array(notificationResponse), next_cursor: nextCursorField });
