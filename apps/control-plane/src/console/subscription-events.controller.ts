import { Controller, Get, Param } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { z } from 'zod';
import { RequireRole } from '../auth/auth.decorators.js';
import { ApiReply, timestamp } from '../openapi/api-reply.decorator.js';
import { ApiErrors } from '../openapi/openapi.js';
import { SubscriptionEventEntity } from '../subscriptions/subscription-event.entity.js';
import { SUBSCRIPTION_STATUSES } from '../subscriptions/subscription.entity.js';
import { TenantsService } from '../tenants/tenants.service.js';

const subscriptionEventListResponse = z.object({
  items: z.array(
    z.object({
      id: z.uuid(),
      from_status: z.enum(SUBSCRIPTION_STATUSES).nullable(),
      to_status: z.enum(SUBSCRIPTION_STATUSES),
      reason: z.string(),
      source: z.string(),
      grace_ends_at: timestamp.nullable(),
      occurred_at: timestamp,
    }),
  ),
});

/** The history of a tenant's subscription states, newest first (the support console's tenant page). */
@Controller('api/v1/tenants/:tenantId/subscription-events')
export class SubscriptionEventsController {
  constructor(
    private readonly dataSource: DataSource,
    private readonly tenants: TenantsService,
  ) {}

  @Get()
  @RequireRole('viewer')
  @ApiErrors({ status: 404, code: 'TENANT_NOT_FOUND', message: 'Tenant "acme" does not exist.' })
  @ApiReply({ summary: "A tenant's subscription history", schema: subscriptionEventListResponse })
  async list(@Param('tenantId') tenantId: string) {
    await this.tenants.get(tenantId);
    const events = await this.dataSource.manager.find(SubscriptionEventEntity, { where: { tenantId }, order: { occurredAt: 'DESC' }, take: 200 });
    return {
      items: events.map((event) => ({
        id: event.id,
        from_status: event.fromStatus,
        to_status: event.toStatus,
        reason: event.reason,
        source: event.source,
        grace_ends_at: event.graceEndsAt,
        occurred_at: event.occurredAt,
      })),
    };
  }
}
