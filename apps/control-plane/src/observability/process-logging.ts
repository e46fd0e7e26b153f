import { Logger as NestLogger, type LoggerService } from '@nestjs/common';
import { pino, type DestinationStream, type Level, type LevelWithSilent, type Logger as Pino } from 'pino';
import { ConfigError } from '../config/app-config.js';
import { EmbeddedDatabaseBusyError } from '../database/embedded-database-lock.js';
import { SigningKeyConfigError } from '../keys/signing-key.loader.js';
import { jsonLineOptions, logDestination } from './logging.js';

const LEVELS: readonly LevelWithSilent[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/**
 * Nest's own lines (module loading, a database that does not answer at boot, the exception handler)
 * as JSON lines of the same shape as the request log. Nest calls `error(message, stack, context)`
 * and `log(message, context)`; the context is the last string.
 */
export class JsonNestLogger implements LoggerService {
  constructor(private readonly pino: Pino) {}

  log(message: unknown, ...params: unknown[]): void {
    this.write('info', message, params);
  }
  error(message: unknown, ...params: unknown[]): void {
    this.write('error', message, params);
  }
  warn(message: unknown, ...params: unknown[]): void {
    this.write('warn', message, params);
  }
  debug(message: unknown, ...params: unknown[]): void {
    this.write('debug', message, params);
  }
  verbose(message: unknown, ...params: unknown[]): void {
    this.write('trace', message, params);
  }
  fatal(message: unknown, ...params: unknown[]): void {
    this.write('fatal', message, params);
  }

  private write(level: Level, message: unknown, params: unknown[]): void {
    const context = params.length > 0 && typeof params.at(-1) === 'string' ? (params.pop() as string) : undefined;
    if (message instanceof Error) return this.pino[level]({ context, err: message }, message.message);
    const text = typeof message === 'string' ? message : JSON.stringify(message);
    const stack = params.find((param): param is string => typeof param === 'string');
    if (stack) return this.pino[level]({ context, err: { message: text, stack } }, text);
    this.pino[level]({ context }, text);
  }
}

/** The process's first and last lines: what a boot failure or an uncaught error says, as one JSON line. */
export interface ProcessLogging {
  log: Pino;
  /** Reports why the process could not start and exits 1. */
  bootFailed(error: unknown): never;
}

/**
 * Call first in a process: from here on every line on stdout is JSON, including Nest's lines before
 * the request logger exists, a boot failure, and an uncaught exception or rejection (which end the
 * process, as Node would, after one line that carries the error). LOG_LEVEL is read leniently here:
 * the configuration may be the very thing that is broken.
 */
export function startProcessLogging(service: string, env: Record<string, string | undefined> = process.env, destination?: DestinationStream): ProcessLogging {
  const level = LEVELS.find((candidate) => candidate === env.LOG_LEVEL) ?? 'info';
  const log = pino(jsonLineOptions(service, level), logDestination(destination));
  NestLogger.overrideLogger(new JsonNestLogger(log));
  const crash = (kind: string) => (error: unknown) => {
    log.fatal({ err: error }, `${kind}: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  };
  process.on('uncaughtException', crash('uncaught exception'));
  process.on('unhandledRejection', crash('unhandled rejection'));
  return {
    log,
    bootFailed(error: unknown): never {
      // A configuration error is the operator's to fix: what is wrong, not a stack trace.
      if (error instanceof ConfigError) log.fatal({ problems: error.problems }, `invalid configuration: ${error.problems.join('; ')}`);
      else if (error instanceof SigningKeyConfigError) log.fatal(`signing key: ${error.message}`);
      else if (error instanceof EmbeddedDatabaseBusyError) log.fatal(error.message);
      else log.fatal({ err: error }, `boot failed: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(1);
    },
  };
}
