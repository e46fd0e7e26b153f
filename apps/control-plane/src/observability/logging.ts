import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Params } from 'nestjs-pino';
import { pino, type DestinationStream, type LevelWithSilent, type LoggerOptions } from 'pino';
import { assignRequestId } from '../common/request-id.middleware.js';
import type { AppConfig } from '../config/app-config.js';
import { maskingDestination, REDACTED, REDACTED_PATHS } from './log-redaction.js';
import { routeTemplate } from './route-template.js';

export interface LoggingOptions {
  /** Where JSON lines go; stdout unless a test captures them. */
  destination?: DestinationStream;
  /** `false` silences every line (the default of most end-to-end tests). */
  enabled?: boolean;
  /** The `service` field of every line (the worker is its own service). */
  service?: string;
}

export const CONTROL_PLANE_SERVICE = 'license-authority-control-plane';

/** Probes and scrapes every few seconds would drown the request log. */
const QUIET_PATHS = /^\/(?:api\/health(?:\/|$|\?)|metrics(?:$|\?))/;

/** The shape of every line, whoever writes it: the request logger, the boot logger, a crash report. */
export function jsonLineOptions(service: string, level: LevelWithSilent): LoggerOptions {
  return {
    level,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    redact: { paths: REDACTED_PATHS, censor: REDACTED },
  };
}

/** stdout, written synchronously so the last line before an exit is never lost, and masked for secrets. */
export function logDestination(destination?: DestinationStream): DestinationStream {
  return maskingDestination(destination ?? pino.destination({ dest: 1, sync: true }));
}

/**
 * The request line's short, fixed set of fields: no headers (a browser sends a kilobyte of them), no
 * raw URL (ids, query strings), the client address Express derived through TRUST_PROXY.
 */
export function requestLine(request: IncomingMessage, response: ServerResponse, fields: { responseTime: number }): Record<string, unknown> {
  return {
    method: request.method,
    route: routeTemplate(request),
    status: response.statusCode,
    duration_ms: fields.responseTime,
    remote_address: (request as { ip?: string }).ip ?? request.socket.remoteAddress,
  };
}
/**
 * A renewal is logged once, by the phone-home service ("license renewed", with the license and tenant);
 * its request line would repeat that at the rate of the busiest endpoint. Refusals keep theirs.
 */
const QUIET_WHEN_SUCCESSFUL = /^\/api\/v1\/phone-home(?:$|\?)/;

/** One JSON line per event, the request id on every line written while a request is handled. */
export function loggingParams(config: Pick<AppConfig, 'LOG_LEVEL'>, options: LoggingOptions = {}): Params {
  const level: LevelWithSilent = options.enabled === false ? 'silent' : config.LOG_LEVEL;
  return {
    pinoHttp: [
      {
        ...jsonLineOptions(options.service ?? CONTROL_PLANE_SERVICE, level),
        genReqId: (request: IncomingMessage, response: ServerResponse) => assignRequestId(request, response),
        customAttributeKeys: { reqId: 'request_id' },
        // Lines logged inside a request carry its id, not the whole request object again; the
        // completion line is built whole when the response is finished (the route is known by then).
        quietReqLogger: true,
        quietResLogger: true,
        customSuccessObject: (request: IncomingMessage, response: ServerResponse, fields: { responseTime: number }) => requestLine(request, response, fields),
        customErrorObject: (request: IncomingMessage, response: ServerResponse, error: Error, fields: { responseTime: number }) => ({
          ...requestLine(request, response, fields),
          err: error,
        }),
        autoLogging: { ignore: (request) => QUIET_PATHS.test(request.url ?? '') },
        customLogLevel: (request, response, error) =>
          error || response.statusCode >= 500
            ? 'error'
            : response.statusCode >= 400
              ? 'warn'
              : QUIET_WHEN_SUCCESSFUL.test(request.url ?? '')
                ? 'silent'
                : 'info',
      },
      logDestination(options.destination),
    ],
  };
}
