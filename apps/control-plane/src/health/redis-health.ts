import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { Redis } from 'ioredis';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';

/** Slower than this, a dependency counts as down: a probe must answer before the orchestrator gives up. */
export const PROBE_TIMEOUT_MS = 2_000;

/**
 * Its own small connection, so readiness tells whether this replica reaches Redis, whatever the
 * queue clients are doing. Without REDIS_URL there is nothing to check.
 */
@Injectable()
export class RedisHealth implements OnApplicationShutdown {
  private readonly logger = new Logger(RedisHealth.name);
  private readonly client: Redis | undefined;
  private lastError: string | undefined;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    if (!config.REDIS_URL) return;
    // No offline queue: a ping while disconnected fails at once instead of waiting for a reconnect.
    this.client = new Redis(config.REDIS_URL, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      commandTimeout: PROBE_TIMEOUT_MS,
      // A probe connection has nothing to flush; don't hold shutdown for the default 2 s.
      disconnectTimeout: 200,
      connectionName: 'la-readiness',
    });
    this.client.on('error', (error: Error) => {
      if (error.message !== this.lastError) this.logger.warn(`redis: ${error.message}`);
      this.lastError = error.message;
    });
    this.client.on('ready', () => (this.lastError = undefined));
  }

  get configured(): boolean {
    return this.client !== undefined;
  }

  async ping(): Promise<void> {
    if (!this.client) return;
    if (this.client.status !== 'ready') throw new Error(`redis connection is ${this.client.status}${this.lastError ? ` (${this.lastError})` : ''}`);
    await this.client.ping();
  }

  async onApplicationShutdown(): Promise<void> {
    if (!this.client) return;
    // quit() would wait for a connection that may never come back; a disconnected client just stops retrying.
    if (this.client.status === 'ready') await this.client.quit().catch(() => this.client?.disconnect());
    else this.client.disconnect();
  }
}
