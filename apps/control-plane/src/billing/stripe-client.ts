import { Inject, Injectable } from '@nestjs/common';
import Stripe from 'stripe';
import { AppError } from '../common/app-error.js';
import { APP_VERSION } from '../common/app-version.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';

/** The API version this code was written and tested against; Stripe objects are read in this shape. */
export const STRIPE_API_VERSION = '2026-10-28.endive' as const;

export function createStripeClient(config: AppConfig): Stripe | null {
  if (!config.STRIPE_SECRET_KEY) return null;
  return new Stripe(config.STRIPE_SECRET_KEY, {
    apiVersion: STRIPE_API_VERSION,
    // A webhook's re-read waits this long (times the attempts); it holds no pool connection or lock meanwhile.
    timeout: config.STRIPE_TIMEOUT_MS,
    maxNetworkRetries: config.STRIPE_MAX_NETWORK_RETRIES,
    telemetry: false,
    appInfo: { name: 'atlasai-license-authority', version: APP_VERSION },
    protocol: config.STRIPE_API_PROTOCOL,
    ...(config.STRIPE_API_HOST ? { host: config.STRIPE_API_HOST } : {}),
    ...(config.STRIPE_API_PORT ? { port: config.STRIPE_API_PORT } : {}),
  });
}

export function billingNotConfigured(missing: string): AppError {
  return new AppError(503, 'BILLING_NOT_CONFIGURED', `Stripe billing is not configured on this control plane (${missing} is not set).`);
}

/**
 * The Stripe calls the control plane makes, behind one adapter. Every create carries an idempotency
 * key the caller derives from what it is creating, so a retried request never creates twice.
 */
@Injectable()
export class StripeGateway {
  private readonly stripe: Stripe | null;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.stripe = createStripeClient(config);
  }

  get configured(): boolean {
    return this.stripe !== null;
  }

  /** The current state of a subscription, or null when Stripe has no such subscription. */
  retrieveSubscription(id: string): Promise<Stripe.Subscription | null> {
    return this.retrieve(() => this.client().subscriptions.retrieve(id));
  }

  /** An invoice as Stripe holds it now, or null when Stripe has no such invoice. */
  retrieveInvoice(id: string): Promise<Stripe.Invoice | null> {
    return this.retrieve(() => this.client().invoices.retrieve(id));
  }

  createCustomer(params: Stripe.CustomerCreateParams, idempotencyKey: string): Promise<Stripe.Customer> {
    return this.call(() => this.client().customers.create(params, { idempotencyKey }));
  }

  createCheckoutSession(params: Stripe.Checkout.SessionCreateParams, idempotencyKey: string): Promise<Stripe.Checkout.Session> {
    return this.call(() => this.client().checkout.sessions.create(params, { idempotencyKey }));
  }

  createPortalSession(params: Stripe.BillingPortal.SessionCreateParams, idempotencyKey: string): Promise<Stripe.BillingPortal.Session> {
    return this.call(() => this.client().billingPortal.sessions.create(params, { idempotencyKey }));
  }

  private async retrieve<T>(read: () => Promise<T>): Promise<T | null> {
    try {
      return await read();
    } catch (error) {
      if (error instanceof Stripe.errors.StripeInvalidRequestError && error.code === 'resource_missing') return null;
      throw stripeUnavailable(error);
    }
  }

  private async call<T>(request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (error) {
      throw stripeUnavailable(error);
    }
  }

  private client(): Stripe {
    if (!this.stripe) throw billingNotConfigured('STRIPE_SECRET_KEY');
    return this.stripe;
  }
}

function stripeUnavailable(error: unknown): AppError {
  if (error instanceof AppError) return error;
  const detail = error instanceof Stripe.errors.StripeError ? `${error.type}${error.code ? ` ${error.code}` : ''}: ${error.message}` : (error as Error).message;
  return new AppError(502, 'STRIPE_UNAVAILABLE', `Stripe did not complete the request (${detail}).`);
}
