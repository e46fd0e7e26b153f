import type { Server } from 'node:http';
import { Injectable, type CallHandler, type ExecutionContext, type INestApplication, type LoggerService, type NestInterceptor } from '@nestjs/common';
import { finalize, type Observable } from 'rxjs';

/**
 * Counts route handlers that are running, whether or not their client is still connected: a client
 * that gave up closes its socket, but the renewal it started still writes to the database, and the
 * pool must stay open until it is done. A global interceptor for Nest's routes; `track` for the
 * phone-home fast path, which Nest does not run.
 */
@Injectable()
export class RunningHandlers implements NestInterceptor {
  private running = 0;
  private idle: (() => void)[] = [];

  intercept(_context: ExecutionContext, next: CallHandler): Observable<unknown> {
    this.running += 1;
    return next.handle().pipe(finalize(() => this.done()));
  }

  track<T>(work: () => Promise<T>): Promise<T> {
    this.running += 1;
    // A `work` that throws before returning its promise is counted out too.
    return new Promise<T>((resolve) => resolve(work())).finally(() => this.done());
  }

  get count(): number {
    return this.running;
  }

  /** Resolves true when no handler runs, false when `timeoutMs` passed first. */
  async settled(timeoutMs: number): Promise<boolean> {
    if (this.running === 0) return true;
    let deadline: NodeJS.Timeout | undefined;
    const settled = await Promise.race([
      new Promise<boolean>((resolve) => this.idle.push(() => resolve(true))),
      new Promise<boolean>((resolve) => (deadline = setTimeout(() => resolve(false), Math.max(0, timeoutMs)))),
    ]);
    clearTimeout(deadline);
    return settled;
  }

  private done(): void {
    this.running -= 1;
    if (this.running > 0) return;
    for (const resolve of this.idle.splice(0)) resolve();
  }
}

/**
 * Stops accepting connections and waits for the requests in flight to be answered. Keep-alive
 * connections are closed as soon as they fall idle, so a client between two requests does not hold
 * the process. Past the deadline the remaining connections are cut. Resolves true when drained.
 */
export async function drainHttpServer(server: Server, timeoutMs: number): Promise<boolean> {
  let deadline: NodeJS.Timeout | undefined;
  const closed = new Promise<boolean>((resolve) => server.close(() => resolve(true)));
  const idleSweep = setInterval(() => server.closeIdleConnections(), 50);
  server.closeIdleConnections();
  const drained = await Promise.race([closed, new Promise<boolean>((resolve) => (deadline = setTimeout(() => resolve(false), timeoutMs)))]);
  clearInterval(idleSweep);
  clearTimeout(deadline);
  if (!drained) server.closeAllConnections();
  return drained;
}

/**
 * On SIGTERM or SIGINT: stop accepting, finish the requests in flight and wait for every route handler
 * still running (even one whose client hung up), then close the application, whose shutdown hooks
 * finish running jobs and close the database pool and Redis connections. Nest's own
 * `enableShutdownHooks` runs module destroy hooks while the server still accepts requests; draining
 * first means no request lands on a half-closed application.
 */
export function installGracefulShutdown(app: INestApplication, timeoutMs: number, logger: LoggerService): void {
  const handlers = app.get(RunningHandlers);
  let started = false;
  const shutdown = async (signal: NodeJS.Signals) => {
    if (started) return;
    started = true;
    logger.log(`${signal} received: draining HTTP connections (up to ${timeoutMs} ms)`, 'Shutdown');
    // A hook that hangs must not keep a terminated replica alive forever.
    setTimeout(() => {
      logger.error(`shutdown did not finish within ${2 * timeoutMs} ms; exiting`, undefined, 'Shutdown');
      process.exit(1);
    }, 2 * timeoutMs).unref();
    const began = Date.now();
    const drained = await drainHttpServer(app.getHttpServer() as Server, timeoutMs);
    if (!drained) logger.warn(`requests still in flight after ${timeoutMs} ms were cut`, 'Shutdown');
    if (!(await handlers.settled(timeoutMs - (Date.now() - began)))) {
      logger.warn(`${handlers.count} handler(s) still running after ${timeoutMs} ms; closing anyway`, 'Shutdown');
    }
    await app.close();
    logger.log('shutdown complete', 'Shutdown');
    // A cluster worker (or any child forked with IPC) stays alive while its channel to the parent is open.
    if (process.connected) process.disconnect();
  };
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, (received) => {
      shutdown(received).catch((error: unknown) => {
        logger.error(`shutdown failed: ${(error as Error).message}`, (error as Error).stack, 'Shutdown');
        process.exit(1);
      });
    });
  }
}
