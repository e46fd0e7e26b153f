import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';
import type { TestResponse } from './http-call.js';
import type { TestApp } from './test-app.js';

/** What the control plane sent: path, form parameters (flattened, `line_items[0][price]`) and idempotency key. */
export interface FakeStripeRequest {
  method: string;
  path: string;
  params: Record<string, string>;
  idempotencyKey: string | undefined;
  apiVersion: string | undefined;
}

export interface FakeSubscriptionInput {
  id: string;
  customer: string;
  status: string;
  /** Price ids; every item shares the period. */
  prices: string[];
  periodStart: Date;
  periodEnd: Date;
}

export interface SignedEvent {
  id: string;
  type: string;
  payload: string;
}

/**
 * A Stripe API the tests own: a local HTTP server serving the endpoints the control plane calls
 * (customers, Checkout and portal sessions, subscriptions) from state the test sets, and signing
 * webhook events with stripe-node's own `generateTestHeaderString`.
 */
export class FakeStripe {
  readonly webhookSecret = `whsec_${randomBytes(24).toString('base64url').replace(/[-_]/g, 'x')}`;
  readonly requests: FakeStripeRequest[] = [];
  readonly customers = new Map<string, Record<string, unknown>>();
  readonly subscriptions = new Map<string, Record<string, unknown>>();
  /** Every invoice `invoice()` made, served by GET /v1/invoices/:id. */
  readonly invoices = new Map<string, Record<string, unknown>>();
  /** Responses by idempotency key, with the parameters first sent under it (Stripe compares them on reuse). */
  private readonly idempotent = new Map<string, { params: string; status: number; body: unknown }>();
  private failures: { prefix: string; remaining: number }[] = [];
  private stalls: { prefix: string; remaining: number; ms: number }[] = [];
  private server!: Server;
  private sequence = 0;
  port = 0;

  static async start(): Promise<FakeStripe> {
    const fake = new FakeStripe();
    fake.server = createServer((request, response) => {
      fake.handle(request, response).catch((error: Error) => fake.send(response, 500, { error: { type: 'api_error', message: error.message } }));
    });
    await new Promise<void>((resolve) => fake.server.listen(0, '127.0.0.1', resolve));
    fake.port = (fake.server.address() as AddressInfo).port;
    return fake;
  }

  /** The control plane's Stripe settings pointing at this server. */
  env(extra: Record<string, string> = {}): Record<string, string> {
    return {
      STRIPE_SECRET_KEY: 'sk_test_fake',
      STRIPE_WEBHOOK_SECRET: this.webhookSecret,
      STRIPE_API_HOST: '127.0.0.1',
      STRIPE_API_PORT: String(this.port),
      STRIPE_API_PROTOCOL: 'http',
      ...extra,
    };
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  /** The next `count` requests whose path starts with `prefix` answer only after `ms` (a slow or hung Stripe). */
  stallNext(prefix: string, count: number, ms: number): void {
    this.stalls.push({ prefix, remaining: count, ms });
  }

  /** Stripe answers at once again: stalls not yet used up are dropped (a request already waiting keeps waiting). */
  clearStalls(): void {
    this.stalls = [];
  }

  /** The next `count` requests whose path starts with `prefix` fail with a 500 that Stripe marks as not retryable. */
  failNext(prefix: string, count = 1): void {
    this.failures.push({ prefix, remaining: count });
  }

  /** Sets (or replaces) what GET /v1/subscriptions/:id answers, in the 2026-10-28 API shape. */
  setSubscription(input: FakeSubscriptionInput): Record<string, unknown> {
    const start = Math.floor(input.periodStart.getTime() / 1000);
    const end = Math.floor(input.periodEnd.getTime() / 1000);
    const subscription = {
      id: input.id,
      object: 'subscription',
      customer: input.customer,
      status: input.status,
      created: start,
      start_date: start,
      billing_cycle_anchor: start,
      cancel_at: null,
      canceled_at: input.status === 'canceled' ? end : null,
      ended_at: null,
      metadata: {},
      items: {
        object: 'list',
        has_more: false,
        url: `/v1/subscription_items?subscription=${input.id}`,
        data: input.prices.map((price, index) => ({
          id: `si_${input.id}_${index}`,
          object: 'subscription_item',
          price: { id: price, object: 'price' },
          quantity: 1,
          current_period_start: start,
          current_period_end: end,
        })),
      },
    };
    this.subscriptions.set(input.id, subscription);
    return subscription;
  }

  setStatus(subscriptionId: string, status: string): void {
    const subscription = this.subscriptions.get(subscriptionId);
    if (!subscription) throw new Error(`no fake subscription ${subscriptionId}`);
    subscription.status = status;
  }

  /** A Stripe event with a fresh id, `created` at the app clock's now unless given. */
  event(type: string, object: Record<string, unknown>, created: Date): SignedEvent {
    this.sequence += 1;
    const id = `evt_${this.sequence.toString().padStart(4, '0')}${randomBytes(6).toString('hex')}`;
    const event = {
      id,
      object: 'event',
      api_version: '2026-10-28.endive',
      created: Math.floor(created.getTime() / 1000),
      livemode: false,
      pending_webhooks: 1,
      request: { id: null, idempotency_key: null },
      type,
      data: { object },
    };
    return { id, type, payload: JSON.stringify(event, null, 2) };
  }

  invoice(subscriptionId: string, customer: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
    this.sequence += 1;
    const invoice = {
      id: `in_${this.sequence}`,
      object: 'invoice',
      customer,
      parent: { type: 'subscription_details', quote_details: null, subscription_details: { subscription: subscriptionId, metadata: {} } },
      attempt_count: 1,
      ...extra,
    };
    this.invoices.set(invoice.id, invoice);
    return invoice;
  }

  /** The Stripe-Signature header for `payload`, timed by the app's clock (which the webhook checks against). */
  sign(payload: string, at: Date, secret = this.webhookSecret): string {
    return Stripe.webhooks.generateTestHeaderString({ payload, secret, timestamp: Math.floor(at.getTime() / 1000) });
  }

  /**
   * A customer finishing Checkout: Stripe now holds `subscription`, and the app is told by a signed
   * checkout.session.completed event created at the period start. Returns the event and the webhook's answer.
   */
  async completeCheckout(
    cp: TestApp,
    subscription: FakeSubscriptionInput,
    tenantId: string,
    sessionId: string,
  ): Promise<{ event: SignedEvent; response: TestResponse }> {
    this.setSubscription(subscription);
    const session = {
      id: sessionId,
      object: 'checkout.session',
      mode: 'subscription',
      customer: subscription.customer,
      subscription: subscription.id,
      client_reference_id: tenantId,
    };
    const event = this.event('checkout.session.completed', session, subscription.periodStart);
    return { event, response: await this.deliver(cp, event) };
  }

  /** Posts a signed event to the app's webhook, as Stripe would. */
  deliver(cp: TestApp, event: SignedEvent): Promise<TestResponse> {
    return cp.http('POST', '/api/v1/billing/stripe/webhook', {
      rawBody: event.payload,
      headers: { 'content-type': 'application/json', 'stripe-signature': this.sign(event.payload, cp.clock.now()) },
    });
  }

  requestsTo(path: string): FakeStripeRequest[] {
    return this.requests.filter((request) => request.path === path);
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const url = new URL(request.url ?? '/', 'http://fake');
    const params = Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString('utf8')));
    const idempotencyKey = request.headers['idempotency-key'] as string | undefined;
    this.requests.push({
      method: request.method ?? 'GET',
      path: url.pathname,
      params,
      idempotencyKey,
      apiVersion: request.headers['stripe-version'] as string | undefined,
    });

    if (request.headers.authorization !== 'Bearer sk_test_fake') {
      return this.send(response, 401, { error: { type: 'invalid_request_error', message: 'Invalid API Key provided' } });
    }
    const stall = this.stalls.find((candidate) => candidate.remaining > 0 && url.pathname.startsWith(candidate.prefix));
    if (stall) {
      stall.remaining -= 1;
      // Unref'd: a stalled answer nobody waits for any more must not keep the test process alive.
      await new Promise((done) => setTimeout(done, stall.ms).unref());
    }
    const failure = this.failures.find((candidate) => candidate.remaining > 0 && url.pathname.startsWith(candidate.prefix));
    if (failure) {
      failure.remaining -= 1;
      response.setHeader('stripe-should-retry', 'false');
      return this.send(response, 500, { error: { type: 'api_error', message: 'fake Stripe was told to fail' } });
    }
    const sent = JSON.stringify(Object.entries(params).sort(([a], [b]) => a.localeCompare(b)));
    if (request.method === 'POST' && idempotencyKey) {
      const replay = this.idempotent.get(`${url.pathname}|${idempotencyKey}`);
      // As real Stripe: the same key replays the first answer, but only for the same parameters.
      if (replay && replay.params !== sent) {
        return this.send(response, 400, {
          error: {
            type: 'idempotency_error',
            message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${idempotencyKey}' if you meant to execute a different request.`,
          },
        });
      }
      if (replay) return this.send(response, replay.status, replay.body);
    }
    const [status, body] = this.route(request.method ?? 'GET', url.pathname, params);
    if (request.method === 'POST' && idempotencyKey) this.idempotent.set(`${url.pathname}|${idempotencyKey}`, { params: sent, status, body });
    this.send(response, status, body);
  }

  private route(method: string, path: string, params: Record<string, string>): [number, unknown] {
    const missing = (what: string): [number, unknown] => [
      404,
      { error: { type: 'invalid_request_error', code: 'resource_missing', message: `No such ${what}`, param: 'id' } },
    ];
    let match: RegExpExecArray | null;
    if (method === 'POST' && path === '/v1/customers') {
      const id = `cus_${randomBytes(7).toString('hex')}`;
      const customer = {
        id,
        object: 'customer',
        email: params.email ?? null,
        name: params.name ?? null,
        metadata: { tenant_id: params['metadata[tenant_id]'] },
      };
      this.customers.set(id, customer);
      return [200, customer];
    }
    if (method === 'GET' && (match = /^\/v1\/customers\/([^/]+)$/.exec(path))) {
      const customer = this.customers.get(match[1]);
      return customer ? [200, customer] : missing(`customer: '${match[1]}'`);
    }
    if (method === 'POST' && path === '/v1/checkout/sessions') {
      const id = `cs_test_${randomBytes(10).toString('hex')}`;
      return [
        200,
        {
          id,
          object: 'checkout.session',
          mode: params.mode,
          customer: params.customer ?? null,
          client_reference_id: params.client_reference_id ?? null,
          url: `https://checkout.stripe.test/c/pay/${id}`,
          expires_at: Math.floor(Date.now() / 1000) + 86_400,
          metadata: { tenant_id: params['metadata[tenant_id]'] },
        },
      ];
    }
    if (method === 'POST' && path === '/v1/billing_portal/sessions') {
      const id = `bps_${randomBytes(10).toString('hex')}`;
      return [
        200,
        { id, object: 'billing_portal.session', customer: params.customer, return_url: params.return_url, url: `https://billing.stripe.test/p/session/${id}` },
      ];
    }
    if (method === 'GET' && (match = /^\/v1\/invoices\/([^/]+)$/.exec(path))) {
      const invoice = this.invoices.get(match[1]);
      return invoice ? [200, invoice] : missing(`invoice: '${match[1]}'`);
    }
    if (method === 'GET' && (match = /^\/v1\/subscriptions\/([^/]+)$/.exec(path))) {
      const subscription = this.subscriptions.get(match[1]);
      return subscription ? [200, subscription] : missing(`subscription: '${match[1]}'`);
    }
    return [404, { error: { type: 'invalid_request_error', message: `Unrecognized request URL (${method}: ${path})` } }];
  }

  private send(response: ServerResponse, status: number, body: unknown): void {
    response.writeHead(status, { 'content-type': 'application/json', 'request-id': `req_${randomBytes(6).toString('hex')}` });
    response.end(JSON.stringify(body));
  }
}
