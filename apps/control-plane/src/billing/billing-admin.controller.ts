import { Body, Controller, Get, Param, Put, Query } from '@nestjs/common';
import { CurrentActor, RequireRole, type AuditActor } from '../auth/auth.decorators.js';
import { ZodPipe } from '../common/zod-body.pipe.js';
import { ApiErrors } from '../openapi/openapi.js';
import { listStripeEventsSchema, setPricesSchema, type ListStripeEventsQuery, type SetPricesInput } from './billing.schemas.js';
import { StripeEventEntity } from './stripe-event.entity.js';
import { StripePriceEntity } from './stripe-price.entity.js';
import { StripePrices } from './stripe-prices.service.js';
import { DataSource } from 'typeorm';
import { ApiReply } from '../openapi/api-reply.decorator.js';
import { priceListResponse, stripeEventListResponse } from './billing.responses.js';

const PRICE_IN_USE = { status: 409, code: 'PRICE_IN_USE', message: 'Stripe price "price_123" is already the monthly price of plan "core".' };

function priceView(price: StripePriceEntity) {
  return {
    price_id: price.priceId,
    plan_id: price.planId,
    addon_id: price.addonId,
    billing_interval: price.billingInterval,
    created_at: price.createdAt,
    retired_at: price.retiredAt,
  };
}

/** Staff side of billing: the plan and add-on price mapping, and the Stripe events received. */
@Controller('api/v1')
export class BillingAdminController {
  constructor(
    private readonly prices: StripePrices,
    private readonly dataSource: DataSource,
  ) {}

  @Get('billing/prices')
  @RequireRole('viewer')
  @ApiReply({ summary: 'List Stripe prices', schema: priceListResponse })
  async listPrices() {
    return { items: (await this.prices.list()).map(priceView) };
  }

  @Put('plans/:id/prices')
  @RequireRole('support')
  @ApiErrors({ status: 404, code: 'PLAN_NOT_FOUND', message: 'Plan "gold" does not exist.' }, PRICE_IN_USE)
  @ApiReply({ summary: 'Map a plan to Stripe prices', schema: priceListResponse })
  async setPlanPrices(@Param('id') id: string, @Body(new ZodPipe(setPricesSchema)) body: SetPricesInput, @CurrentActor() actor: AuditActor) {
    return { items: (await this.prices.setForPlan(id, body, actor)).map(priceView) };
  }

  @Put('addons/:id/prices')
  @RequireRole('support')
  @ApiErrors({ status: 404, code: 'ADDON_NOT_FOUND', message: 'Add-on "turbo" does not exist.' }, PRICE_IN_USE)
  @ApiReply({ summary: 'Map an add-on to Stripe prices', schema: priceListResponse })
  async setAddonPrices(@Param('id') id: string, @Body(new ZodPipe(setPricesSchema)) body: SetPricesInput, @CurrentActor() actor: AuditActor) {
    return { items: (await this.prices.setForAddon(id, body, actor)).map(priceView) };
  }

  /** Every Stripe event received, newest first; `unknown_customer` or `unknown_price` shows what needs a mapping, `second_subscription` a double Checkout. */
  @Get('billing/stripe-events')
  @RequireRole('viewer')
  @ApiReply({ summary: 'List received Stripe events', schema: stripeEventListResponse })
  async listEvents(@Query(new ZodPipe(listStripeEventsSchema, 'query string')) query: ListStripeEventsQuery) {
    const events = await this.dataSource.manager.find(StripeEventEntity, {
      where: { ...(query.outcome ? { outcome: query.outcome } : {}), ...(query.tenant_id ? { tenantId: query.tenant_id } : {}) },
      order: { receivedAt: 'DESC', id: 'DESC' },
      take: query.limit,
    });
    return {
      items: events.map((event) => ({
        id: event.id,
        type: event.type,
        created_at: event.createdAt,
        received_at: event.receivedAt,
        outcome: event.outcome,
        detail: event.detail,
        tenant_id: event.tenantId,
        stripe_subscription_id: event.stripeSubscriptionId,
      })),
    };
  }
}
