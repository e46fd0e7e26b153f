import type { Server } from 'node:http';
import type { INestApplication, LoggerService } from '@nestjs/common';

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
 * On SIGTERM or SIGINT: stop accepting, finish the requests in flight, then close the application,
 * whose shutdown hooks finish running jobs and close the database pool and Redis connections.
 * Nest's own `enableShutdownHooks` runs module destroy hooks while the server still accepts
 * requests; draining first means no request lands on a half-closed application.
 */
export function installGracefulShutdown(app: INestApplication, timeoutMs: number, logger: LoggerService): void {
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
    const drained = await drainHttpServer(app.getHttpServer() as Server, timeoutMs);
    if (!drained) logger.warn(`requests still in flight after ${timeoutMs} ms were cut`, 'Shutdown');
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
