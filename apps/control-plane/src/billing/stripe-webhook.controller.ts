import { Controller, Headers, HttpCode, Post, Req, type RawBodyRequest } from '@nestjs/common';
import type { Request } from 'express';
import { Public } from '../auth/auth.decorators.js';
import { ApiErrors } from '../openapi/openapi.js';
import { StripeWebhooks } from './stripe-webhook.service.js';
import { ApiReply } from '../openapi/api-reply.decorator.js';
import { webhookReceiptResponse } from './billing.responses.js';

/** The webhook's path; app.factory.ts gives it its own body parser (STRIPE_WEBHOOK_BODY_LIMIT_BYTES). */
export const STRIPE_WEBHOOK_PATH = '/api/v1/billing/stripe/webhook';

@Controller('api/v1/billing/stripe')
export class StripeWebhookController {
  constructor(private readonly webhooks: StripeWebhooks) {}

  /** Stripe calls this; it authenticates by the Stripe-Signature over the raw body, not by a staff token. */
  @Post('webhook')
  @Public()
  @HttpCode(200)
  @ApiErrors(
    { status: 400, code: 'WEBHOOK_SIGNATURE_MISSING', message: 'The Stripe-Signature header is missing.' },
    { status: 400, code: 'WEBHOOK_SIGNATURE_INVALID', message: 'The Stripe signature does not verify: Timestamp outside the tolerance zone' },
    { status: 400, code: 'WEBHOOK_PAYLOAD_INVALID', message: 'The webhook body is not a JSON Stripe event.' },
    { status: 400, code: 'MALFORMED_JSON', message: 'The request body is not valid JSON.' },
    { status: 413, code: 'PAYLOAD_TOO_LARGE', message: 'The request body is larger than this endpoint accepts.' },
    { status: 502, code: 'STRIPE_UNAVAILABLE', message: 'Stripe did not complete the request (api_error: …); Stripe retries the event.' },
    { status: 503, code: 'BILLING_NOT_CONFIGURED', message: 'Stripe billing is not configured on this control plane (STRIPE_WEBHOOK_SECRET is not set).' },
  )
  @ApiReply({ summary: 'Receive a Stripe webhook event', schema: webhookReceiptResponse })
  receive(@Req() request: RawBodyRequest<Request> & { id?: string }, @Headers('stripe-signature') signature: string | undefined) {
    return this.webhooks.receive(request.rawBody, signature, request.id ?? null);
  }
}
