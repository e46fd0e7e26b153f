import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { NotificationDeliveryService } from './notification-delivery.service.js';
import { NOTIFICATION_DELIVERY_OPTIONS, type NotificationDeliveryOptions } from './notification-delivery.options.js';
import { NOTIFICATION_QUEUE, retryDelayMs, workerConnection, type DeliverJobData } from './notification-queue.js';

const JOB_LOCK_MS = 10_000;

/**
 * The BullMQ consumer, in the worker process or inside the control plane (configuration decides).
 * The processor is thin: one delivery attempt, whose outcome is already on the row.
 */
@Injectable()
export class NotificationProcessor implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly logger = new Logger(NotificationProcessor.name);
  private connection: Redis | undefined;
  private worker: Worker<DeliverJobData> | undefined;
  private lastError: string | undefined;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(NOTIFICATION_DELIVERY_OPTIONS) private readonly options: NotificationDeliveryOptions,
    private readonly delivery: NotificationDeliveryService,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.REDIS_URL || !this.options.delivers) return;
    this.connection = workerConnection(this.config.REDIS_URL);
    this.connection.on('error', (error: Error) => this.warnOnce(error));
    this.worker = new Worker<DeliverJobData>(NOTIFICATION_QUEUE, (job) => this.process(job), {
      connection: this.connection,
      prefix: this.config.REDIS_KEY_PREFIX,
      concurrency: this.config.NOTIFICATION_WORKER_CONCURRENCY,
      // A job whose process died stays locked until its lock lapses and a stalled check runs (BullMQ's
      // defaults: 30 s each, so up to a minute of silence after a SIGKILL). A live worker renews its lock
      // every JOB_LOCK_MS / 2 whatever the send takes, so a shorter lock only shortens that silence.
      lockDuration: JOB_LOCK_MS,
      stalledInterval: JOB_LOCK_MS,
      settings: { backoffStrategy: (attemptsMade: number) => retryDelayMs(attemptsMade, this.config.NOTIFICATION_RETRY_BASE_MS) },
    });
    this.worker.on('error', (error: Error) => this.warnOnce(error));
    this.connection.on('ready', () => (this.lastError = undefined));
  }

  /** While Redis is away the same error repeats on every reconnect attempt: log it once. */
  private warnOnce(error: Error): void {
    if (error.message !== this.lastError) this.logger.warn(`notification worker: ${error.message}`);
    this.lastError = error.message;
  }

  private async process(job: Job<DeliverJobData>): Promise<string> {
    const outcome = await this.delivery.attempt(job.data.notificationId, 'queue');
    // A retry is BullMQ's to schedule (with our backoff); after the last attempt it must not try again.
    if (outcome.result === 'retry') throw new Error(outcome.error);
    if (outcome.result === 'failed') throw new UnrecoverableError(outcome.error);
    return outcome.result;
  }

  /**
   * Lets running jobs finish (the database is still open here); waiting jobs stay in Redis. Without
   * a live connection a graceful close would wait for Redis forever: force it, and let the relay
   * re-queue whatever was cut short.
   */
  async beforeApplicationShutdown(): Promise<void> {
    await this.worker?.close(this.connection?.status !== 'ready');
  }

  onApplicationShutdown(): void {
    this.connection?.disconnect();
  }
}
