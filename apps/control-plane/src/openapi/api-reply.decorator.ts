import { z } from 'zod';

export const API_REPLY = 'openapi:reply';
export const BILLING_SESSION_ROUTE = 'openapi:billing_session';

export interface ApiReplyOptions<S extends z.ZodType> {
  /** One line for the operation list (Swagger UI, generated clients). */
  summary: string;
  /** The success body; omit for a body that is not JSON (PEM, Prometheus text). */
  schema?: S;
  /** The success status when it is not Nest's default (201 for POST, 200 otherwise). */
  status?: number;
  /** The media type of a non-JSON success body. */
  produces?: string;
}

export interface ApiReplyMetadata {
  summary: string;
  schema?: z.ZodType;
  status?: number;
  produces?: string;
}

type Handler<T> = (...args: never[]) => T | Promise<T> | Promise<void>;

/**
 * The operation's summary and success body. The body schema is checked against the handler's return
 * type at compile time, so a view that gains or changes a field cannot drift from the document.
 */
export function ApiReply<S extends z.ZodType>(options: ApiReplyOptions<S>) {
  return <H extends Handler<z.output<S> | undefined>>(_target: object, _key: string | symbol, descriptor: TypedPropertyDescriptor<H>): void => {
    Reflect.defineMetadata(API_REPLY, options satisfies ApiReplyMetadata, descriptor.value as object);
  };
}

export type BillingSessionUse = 'also' | 'only';

const billingSession = (use: BillingSessionUse) => (_target: object, _key: string | symbol, descriptor: PropertyDescriptor) => {
  Reflect.defineMetadata(BILLING_SESSION_ROUTE, use, descriptor.value as object);
};

/** The route takes a support staff token or a customer's billing session token (`lcs_…`, from a redeemed login link). */
export const AcceptsBillingSession = () => billingSession('also');

/** The route takes only a customer's billing session token: the customer portal's own API. */
export const CustomerSessionRoute = () => billingSession('only');

/** Response timestamps are `Date`s in handlers and ISO 8601 strings on the wire. */
export const timestamp = z.date();

/** `next_cursor` of a keyset-paged list: pass it as `cursor` for the next page; null on the last page. */
export const nextCursorField = z.string().nullable().describe('The `cursor` of the next page; null on the last.');
