import { Controller, Get, Query } from '@nestjs/common';
import { z } from 'zod';
import { RequireRole } from '../auth/auth.decorators.js';
import { nextCursor, timeCursorOf, timeCursorSchema } from '../common/keyset-cursor.js';
import { ZodPipe } from '../common/zod-body.pipe.js';
import { AuditService } from './audit.service.js';
import { ApiReply } from '../openapi/api-reply.decorator.js';
import { auditEventListResponse } from './audit.responses.js';

const auditQuerySchema = z.strictObject({
  actor_email: z.string().min(3).max(320).optional(),
  target_type: z.string().min(1).max(64).optional(),
  target_id: z.string().min(1).max(128).optional(),
  action: z.string().min(1).max(128).optional(),
  /** Everything about one tenant: the tenant and its subscription, and events whose details name it (licenses, ...). */
  tenant_id: z.string().min(1).max(64).optional(),
  before: z.coerce.date().optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  cursor: timeCursorSchema.optional(),
});

@Controller('api/v1/audit-events')
@RequireRole('viewer')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @Get()
  @ApiReply({ summary: 'List audit events', schema: auditEventListResponse })
  async list(@Query(new ZodPipe(auditQuerySchema, 'query string')) query: z.infer<typeof auditQuerySchema>) {
    const events = await this.audit.list(query);
    return {
      next_cursor: nextCursor(events, query.limit, (event) => timeCursorOf(event.occurredAt, event.id)),
      items: events.map((event) => ({
        id: event.id,
        occurred_at: event.occurredAt,
        actor: event.actor,
        action: event.action,
        target_type: event.targetType,
        target_id: event.targetId,
        details: event.details,
        request_id: event.requestId,
        source_address: event.sourceAddress,
        actor_details: {
          type: event.actorType,
          subject: event.actorSubject,
          email: event.actorEmail,
          name: event.actorName,
          token_id: event.actorTokenId,
          token_created_by: event.actorTokenCreatedBy,
        },
      })),
    };
  }
}
