import { Catch, HttpException, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { Request, Response } from 'express';
import { QueryRunnerAlreadyReleasedError } from 'typeorm';
import { AppError } from './app-error.js';
import { isNetworkErrorCode } from './network-errors.js';

interface ErrorBody {
  code: string;
  message: string;
  /** Always present (null when there is nothing more to say), so clients read one shape. */
  details: unknown;
  request_id?: string;
}

const HTTP_CODES: Record<number, string> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  404: 'ROUTE_NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'RATE_LIMITED',
};

/** Body-parser errors carry a `type`; map them to messages a caller can act on. */
const BODY_PARSER_ERRORS: Record<string, Omit<ErrorBody, 'details'>> = {
  'entity.too.large': { code: 'PAYLOAD_TOO_LARGE', message: 'The request body is larger than this endpoint accepts.' },
  'entity.parse.failed': { code: 'MALFORMED_JSON', message: 'The request body is not valid JSON.' },
  'encoding.unsupported': { code: 'UNSUPPORTED_MEDIA_TYPE', message: 'The request body encoding is not supported.' },
  'charset.unsupported': { code: 'UNSUPPORTED_MEDIA_TYPE', message: 'The request body charset is not supported.' },
};

/** Gives every error the same shape, and never a stack trace or an internal message. */
@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  catch(exception: unknown, host: ArgumentsHost): void {
    const context = host.switchToHttp();
    sendError(context.getRequest<Request & { id?: string }>(), context.getResponse<Response>(), exception);
  }
}

const logger = new Logger('HttpError');

/** The error answer of every route; exported for the phone-home fast path, which Nest's filters do not see. */
export function sendError(request: Request & { id?: string }, response: Response, exception: unknown): void {
  const [status, body] = describe(exception);
  if (status >= 500) logger.error({ err: exception, requestId: request.id }, 'request failed');
  if (response.headersSent) return;
  const retryAfter = (body.details as { retry_after_seconds?: number } | undefined)?.retry_after_seconds;
  if ((status === 429 || status === 503) && retryAfter) response.setHeader('Retry-After', String(retryAfter));
  response.status(status).json({ error: { ...body, request_id: request.id } });
}

function describe(exception: unknown): [number, ErrorBody] {
  if (exception instanceof AppError) {
    return [exception.status, { code: exception.code, message: exception.message, details: exception.details ?? null }];
  }
  if (databaseConnectionLost(exception)) {
    return retryLater('DATABASE_UNAVAILABLE', 'The connection to the database was lost while answering; retry in a few seconds.');
  }
  if (lockWaitTimedOut(exception)) {
    return retryLater(
      'DATABASE_BUSY',
      'A record this request needs is locked by another transaction for longer than the database lock timeout; retry in a few seconds.',
    );
  }
  const parserError = bodyParserError(exception);
  if (parserError) return parserError;
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    const code = HTTP_CODES[status] ?? (status >= 500 ? 'INTERNAL' : 'BAD_REQUEST');
    return [status, { code, message: status >= 500 ? 'Internal error.' : exception.message, details: null }];
  }
  return [500, { code: 'INTERNAL', message: 'Internal error; the request id identifies it in the logs.', details: null }];
}

const DATABASE_RETRY_AFTER_SECONDS = 2;

/** A 503 the caller can retry after a moment: the database, not the request, is in the way. */
function retryLater(code: string, message: string): [number, ErrorBody] {
  return [503, { code, message, details: { retry_after_seconds: DATABASE_RETRY_AFTER_SECONDS } }];
}

/** SQLSTATE classes 08 (connection exception) and 57P0x (the server is shutting down or not yet accepting connections). */
const CONNECTION_SQLSTATE = /^(08|57P0)/;

/** What pg says when a connection dies under a query, or when none can be had. */
const CONNECTION_LOST =
  /^(Connection terminated|Client has encountered a connection error|Client was closed|timeout exceeded when trying to connect|connect ECONNREFUSED)/;

/**
 * The database went away under the request (a backend terminated, a failover, a pool that cannot connect):
 * a 503 the caller can retry, not a 500. TypeORM wraps pg's error as `driverError`.
 */
function databaseConnectionLost(exception: unknown): boolean {
  // A transaction's next query after its connection died: TypeORM has already released the runner.
  if (exception instanceof QueryRunnerAlreadyReleasedError) return true;
  return driverErrors(exception).some(
    ({ code, message }) =>
      (typeof code === 'string' && CONNECTION_SQLSTATE.test(code)) ||
      isNetworkErrorCode(code) ||
      (typeof message === 'string' && CONNECTION_LOST.test(message)),
  );
}

/** lock_not_available: a statement waited DATABASE_LOCK_TIMEOUT_MS for a lock another session holds. */
function lockWaitTimedOut(exception: unknown): boolean {
  return driverErrors(exception).some(({ code }) => code === '55P03');
}

/** The error itself and, when TypeORM wrapped pg's error, the original (`driverError`). */
function driverErrors(exception: unknown): { code?: unknown; message?: unknown }[] {
  const candidates = [exception, (exception as { driverError?: unknown } | null)?.driverError];
  return candidates.filter((candidate): candidate is { code?: unknown; message?: unknown } => typeof candidate === 'object' && candidate !== null);
}

/** Nest wraps body-parser errors in an HttpException whose `cause` keeps the parser's `type`. */
function bodyParserError(exception: unknown): [number, ErrorBody] | undefined {
  const candidate = exception instanceof HttpException ? exception.cause : exception;
  if (typeof candidate !== 'object' || candidate === null || !('type' in candidate)) return undefined;
  const known = BODY_PARSER_ERRORS[String((candidate as { type: unknown }).type)];
  if (!known) return undefined;
  const status = Number((candidate as { status?: unknown }).status) || 400;
  return [status, { ...known, details: null }];
}
