import { z } from 'zod';
import { nextCursorField, timestamp } from '../openapi/api-reply.decorator.js';

export const auditEventListResponse = z.object({
  items: z.array(
    z.object({
      id: z.uuid(),
      occurred_at: timestamp,
      actor: z.string(),
      action: z.string(),
      target_type: z.string(),
      target_id: z.string(),
      details: z.record(z.string(), z.unknown()),
      request_id: z.string().nullable(),
    }),
  ),
  next_cursor: nextCursorField,
});
