import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Params } from 'nestjs-pino';
import { pino, type DestinationStream, type LevelWithSilent, type SerializedRequest, type SerializedResponse } from 'pino';
import { assignRequestId } from '../common/request-id.middleware.js';
import type { AppConfig } from '../config/app-config.js';
import { maskingDestination, REDACTED, REDACTED_PATHS } from './log-redaction.js';

export interface LoggingOptions {
  /** Where JSON lines go; stdout unless a test captures them. */
  destination?: DestinationStream;
  /** `false` silences every line (the default of most end-to-end tests). */
  enabled?: boolean;
  /** The `service` field of every line (the worker is its own service). */
  service?: string;
}

/** Probes and scrapes every few seconds would drown the request log. */
const QUIET_PATHS = /^\/(?:api\/health(?:\/|$|\?)|metrics(?:$|\?))/;

/**
 * A renewal is logged once, by the phone-home service ("license renewed", with the license and tenant);
 * its request line would repeat that at the rate of the busiest endpoint. Refusals keep theirs.
 */
const QUIET_WHEN_SUCCESSFUL = /^\/api\/v1\/phone-home(?:$|\?)/;

/** One JSON line per event, the request id on every line written while a request is handled. */
export function loggingParams(config: Pick<AppConfig, 'LOG_LEVEL'>, options: LoggingOptions = {}): Params {
  const level: LevelWithSilent = options.enabled === false ? 'silent' : config.LOG_LEVEL;
  const destination = maskingDestination(options.destination ?? pino.destination({ dest: 1, sync: true }));
  return {
    pinoHttp: [
      {
        level,
        base: { service: options.service ?? 'license-authority-control-plane' },
        timestamp: pino.stdTimeFunctions.isoTime,
        formatters: { level: (label) => ({ level: label }) },
        redact: { paths: REDACTED_PATHS, censor: REDACTED },
        // The request id is already on the line; response headers are the same on every response.
        serializers: {
          req: ({ method, url, headers, remoteAddress }: SerializedRequest) => ({ method, url, headers, remoteAddress }),
          res: ({ statusCode }: SerializedResponse) => ({ statusCode }),
        },
        genReqId: (request: IncomingMessage, response: ServerResponse) => assignRequestId(request, response),
        customAttributeKeys: { reqId: 'request_id' },
        // Lines logged inside a request carry its id, not the whole request object again.
        quietReqLogger: true,
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
      destination,
    ],
  };
}
