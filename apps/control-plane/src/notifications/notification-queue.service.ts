import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { DELIVER_JOB, deliverJobOptions, NOTIFICATION_QUEUE, producerConnection, type DeliverJobData } from './notification-queue.js';

/** The relay's side of the queue. Absent without REDIS_URL (delivery is then in-process). */
@Injectable()
export class NotificationQueueService implements OnApplicationShutdown {
  private readonly logger = new Logger(NotificationQueueService.name);
  private readonly connection: Redis | undefined;
  private readonly queue: Queue<DeliverJobData> | undefined;
  private lastError: string | undefined;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    if (!config.REDIS_URL) return;
    this.connection = producerConnection(config.REDIS_URL);
    this.queue = new Queue<DeliverJobData>(NOTIFICATION_QUEUE, { connection: this.connection, prefix: config.REDIS_KEY_PREFIX });
    // While Redis is away every command fails fast; say so once, not on every reconnect attempt.
    this.queue.on('error', (error: Error) => this.warnOnce(error));
    this.connection.on('error', (error: Error) => this.warnOnce(error));
    this.connection.on('ready', () => (this.lastError = undefined));
  }

  get enabled(): boolean {
    return this.queue !== undefined;
  }

  /**
   * BullMQ waits for a first connection instead of failing; the relay asks first, so that a Redis
   * outage leaves rows pending rather than a transaction waiting on a socket.
   */
  get ready(): boolean {
    return this.connection?.status === 'ready';
  }

  /** Job id = notification id: adding a notification that is already waiting is a no-op. */
  async enqueue(notificationId: string): Promise<void> {
    if (!this.queue) throw new Error('REDIS_URL is not set: there is no queue');
    await this.queue.add(DELIVER_JOB, { notificationId }, deliverJobOptions(this.config, notificationId));
  }

  private warnOnce(error: Error): void {
    if (error.message !== this.lastError) this.logger.warn(`notification queue: ${error.message}`);
    this.lastError = error.message;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.queue?.close().catch(() => undefined);
    if (this.connection?.status === 'ready') await this.connection.quit().catch(() => this.connection?.disconnect());
    else this.connection?.disconnect();
  }
}
