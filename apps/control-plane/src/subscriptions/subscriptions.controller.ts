import { Body, Controller, Get, Param, Patch, Put } from '@nestjs/common';
import { CurrentActor, RequireRole, type AuditActor } from '../auth/auth.decorators.js';
import { ZodPipe } from '../common/zod-body.pipe.js';
import { ApiErrors } from '../openapi/openapi.js';
import { subscriptionView } from './subscription.view.js';
import { patchSubscriptionSchema, putSubscriptionSchema, type PatchSubscriptionInput, type PutSubscriptionInput } from './subscriptions.schemas.js';
import { SubscriptionsService } from './subscriptions.service.js';
import { ApiReply } from '../openapi/api-reply.decorator.js';
import { subscriptionResponse } from './subscriptions.responses.js';

const MANAGED_BY_STRIPE = {
  status: 409,
  code: 'SUBSCRIPTION_MANAGED_BY_STRIPE',
  message: 'The subscription of tenant "acme" is managed by Stripe (sub_123); change it in Stripe or through the Customer Portal, not here.',
};

@Controller('api/v1/tenants/:tenantId/subscription')
export class SubscriptionsController {
  constructor(private readonly subscriptions: SubscriptionsService) {}

  @Get()
  @RequireRole('viewer')
  @ApiReply({ summary: "Get a tenant's subscription", schema: subscriptionResponse })
  @ApiErrors({ status: 404, code: 'SUBSCRIPTION_NOT_FOUND', message: 'Subscription of tenant "acme" does not exist.' })
  async get(@Param('tenantId') tenantId: string) {
    return subscriptionView(await this.subscriptions.getForTenant(tenantId));
  }

  @Put()
  @RequireRole('support')
  @ApiErrors(
    { status: 404, code: 'TENANT_NOT_FOUND', message: 'Tenant "acme" does not exist.' },
    { status: 404, code: 'PLAN_NOT_FOUND', message: 'Plan "gold" does not exist.' },
    MANAGED_BY_STRIPE,
  )
  @ApiReply({ summary: "Set a tenant's subscription (without Stripe)", schema: subscriptionResponse })
  async put(@Param('tenantId') tenantId: string, @Body(new ZodPipe(putSubscriptionSchema)) body: PutSubscriptionInput, @CurrentActor() actor: AuditActor) {
    return subscriptionView(await this.subscriptions.put(tenantId, body, actor));
  }

  @Patch()
  @RequireRole('support')
  @ApiErrors({ status: 404, code: 'SUBSCRIPTION_NOT_FOUND', message: 'Subscription of tenant "acme" does not exist.' }, MANAGED_BY_STRIPE)
  @ApiReply({ summary: "Change a tenant's subscription (without Stripe)", schema: subscriptionResponse })
  async patch(
    @Param('tenantId') tenantId: string,
    @Body(new ZodPipe(patchSubscriptionSchema)) body: PatchSubscriptionInput,
    @CurrentActor() actor: AuditActor,
  ) {
    return subscriptionView(await this.subscriptions.patch(tenantId, body, actor));
  }
}
