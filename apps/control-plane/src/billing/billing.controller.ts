import { Body, Controller, Headers, HttpCode, Param, Post, Req } from '@nestjs/common';
import type { Request } from 'express';
import type { z } from 'zod';
import { CurrentActor, Public, RequireRole, type AuditActor } from '../auth/auth.decorators.js';
import { ZodPipe } from '../common/zod-body.pipe.js';
import { ApiErrors } from '../openapi/openapi.js';
import { BillingCaller } from './billing-caller.js';
import {
  checkoutSessionSchema,
  createLoginLinkSchema,
  portalSessionSchema,
  redeemLoginLinkSchema,
  requestLoginLinkSchema,
  type CheckoutSessionInput,
  type CreateLoginLinkInput,
  type PortalSessionInput,
  type RequestLoginLinkInput,
} from './billing.schemas.js';
import { CheckoutService } from './checkout.service.js';
import { LOGIN_LINK_REQUEST_ACCEPTED, LoginLinks } from './login-links.service.js';
import { AcceptsBillingSession, ApiReply } from '../openapi/api-reply.decorator.js';
import {
  billingSessionResponse,
  checkoutSessionResponse,
  createdLoginLinkResponse,
  loginLinkRequestResponse,
  portalSessionResponse,
} from './billing.responses.js';

const CALLER_ERRORS = [
  { status: 401, code: 'UNAUTHENTICATED', message: 'The billing session is unknown or expired; open a new login link.' },
  { status: 403, code: 'FORBIDDEN', message: 'This billing session belongs to another tenant.' },
  { status: 404, code: 'TENANT_NOT_FOUND', message: 'Tenant "acme" does not exist.' },
  { status: 502, code: 'STRIPE_UNAVAILABLE', message: 'Stripe did not complete the request (api_error: …).' },
  { status: 503, code: 'BILLING_NOT_CONFIGURED', message: 'Stripe billing is not configured on this control plane (STRIPE_SECRET_KEY is not set).' },
];

type BillingRequest = Request & { id?: string };

/**
 * Customer-facing billing. Checkout and portal sessions take either a support staff token or a
 * billing session token (from a redeemed login link) for the same tenant, so they are @Public() to
 * the global guard and authorized here.
 */
@Controller('api/v1')
export class BillingController {
  constructor(
    private readonly checkout: CheckoutService,
    private readonly loginLinks: LoginLinks,
    private readonly caller: BillingCaller,
  ) {}

  /** A Stripe Checkout session for a subscription to the plan (and add-ons) at the interval; returns its URL. */
  @Post('billing/checkout-sessions')
  @Public()
  @AcceptsBillingSession()
  @ApiErrors(
    ...CALLER_ERRORS,
    { status: 404, code: 'PLAN_NOT_FOUND', message: 'Plan "gold" does not exist.' },
    { status: 400, code: 'UNKNOWN_ADDON', message: 'Plan "core" does not offer the add-on(s) edge_pack; it offers: automation_pro.' },
    { status: 409, code: 'PRICE_NOT_CONFIGURED', message: 'No Stripe price is configured for the annual billing of plan "core".' },
    { status: 409, code: 'ALREADY_SUBSCRIBED', message: 'Tenant "acme" already has a Stripe subscription (active); use the Customer Portal.' },
  )
  @ApiReply({ summary: 'Open Stripe Checkout for a tenant', schema: checkoutSessionResponse })
  async createCheckoutSession(
    @Body(new ZodPipe(checkoutSessionSchema)) body: CheckoutSessionInput,
    @Headers('authorization') authorization: string | undefined,
    @Req() request: BillingRequest,
  ) {
    const by = await this.caller.authorize(authorization, body.tenant_id, request.id ?? null);
    return this.checkout.checkout(body, by);
  }

  /** A Customer Portal URL for the tenant's Stripe customer (created if needed): pay, change the card, reactivate. */
  @Post('billing/portal-sessions')
  @Public()
  @AcceptsBillingSession()
  @ApiErrors(...CALLER_ERRORS)
  @ApiReply({ summary: 'Open the Stripe Customer Portal for a tenant', schema: portalSessionResponse })
  async createPortalSession(
    @Body(new ZodPipe(portalSessionSchema)) body: PortalSessionInput,
    @Headers('authorization') authorization: string | undefined,
    @Req() request: BillingRequest,
  ) {
    const by = await this.caller.authorize(authorization, body.tenant_id, request.id ?? null);
    return this.checkout.portal(body.tenant_id, by);
  }

  /**
   * A one-time login link for the tenant's billing: the URL (token in its fragment) is returned once,
   * or with `send_email: true` emailed to the tenant's contact address and not returned.
   */
  @Post('tenants/:tenantId/login-links')
  @RequireRole('support')
  @ApiErrors({ status: 404, code: 'TENANT_NOT_FOUND', message: 'Tenant "acme" does not exist.' })
  @ApiReply({ summary: 'Create a customer login link', schema: createdLoginLinkResponse })
  createLoginLink(
    @Param('tenantId') tenantId: string,
    @Body(new ZodPipe(createLoginLinkSchema)) body: CreateLoginLinkInput,
    @CurrentActor() actor: AuditActor,
  ) {
    return this.loginLinks.create(tenantId, actor, { sendEmail: body.send_email });
  }

  /**
   * Emails a login link to the tenant's contact address when `email` is that address. Always 202 with
   * the same body, so it reveals no account; rate-limited per address.
   */
  @Post('billing/login-links/request')
  @Public()
  @HttpCode(202)
  @ApiErrors({ status: 429, code: 'RATE_LIMITED', message: 'Too many login link requests for this address; retry in 3540 s.' })
  @ApiReply({ summary: 'Ask for a customer login link by email', schema: loginLinkRequestResponse })
  async requestLoginLink(@Body(new ZodPipe(requestLoginLinkSchema)) body: RequestLoginLinkInput, @Req() request: BillingRequest) {
    await this.loginLinks.request(body, { requestId: request.id ?? null, client: request.ip ?? 'unknown' });
    return LOGIN_LINK_REQUEST_ACCEPTED;
  }

  /** Exchanges a login link token (once) for a short-lived billing session token scoped to that tenant. */
  @Post('billing/login-links/redeem')
  @Public()
  @HttpCode(200)
  @ApiErrors({ status: 401, code: 'LOGIN_LINK_INVALID', message: 'This login link is unknown, expired or already used; ask for a new one.' })
  @ApiReply({ summary: 'Exchange a login link for a billing session', schema: billingSessionResponse })
  redeem(@Body(new ZodPipe(redeemLoginLinkSchema)) body: z.infer<typeof redeemLoginLinkSchema>, @Req() request: BillingRequest) {
    return this.loginLinks.redeem(body.token, request.id ?? null);
  }
}
