import { Body, Controller, Get, Param, Patch, Put } from '@nestjs/common';
import { CurrentActor, RequireRole, type AuditActor } from '../auth/auth.decorators.js';
import { ZodPipe } from '../common/zod-body.pipe.js';
import { ApiErrors } from '../openapi/openapi.js';
import { subscriptionView } from './subscription.view.js';
import { patchSubscriptionSchema, putSubscriptionSchema, type PatchSubscriptionInput, type PutSubscriptionInput } from './subscriptions.schemas.js';
import { SubscriptionsService } from './subscriptions.service.js';

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
  async get(@Param('tenantId') tenantId: string) {
    return subscriptionView(await this.subscriptions.getForTenant(tenantId));
  }

  @Put()
  @RequireRole('support')
  @ApiErrors(MANAGED_BY_STRIPE)
  async put(@Param('tenantId') tenantId: string, @Body(new ZodPipe(putSubscriptionSchema)) body: PutSubscriptionInput, @CurrentActor() actor: AuditActor) {
    return subscriptionView(await this.subscriptions.put(tenantId, body, actor));
  }

  @Patch()
  @RequireRole('support')
  @ApiErrors(MANAGED_BY_STRIPE)
  async patch(
    @Param('tenantId') tenantId: string,
    @Body(new ZodPipe(patchSubscriptionSchema)) body: PatchSubscriptionInput,
    @CurrentActor() actor: AuditActor,
  ) {
    return subscriptionView(await this.subscriptions.patch(tenantId, body, actor));
  }
}
