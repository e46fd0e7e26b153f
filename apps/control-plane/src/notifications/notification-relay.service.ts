import { Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { NotificationDeliveryService } from './notification-delivery.service.js';
import { NOTIFICATION_DELIVERY_OPTIONS, type NotificationDeliveryOptions } from './notification-delivery.options.js';
import { NotificationQueueService } from './notification-queue.service.js';

/**
 * Moves due outbox rows on: into the queue (job id = row id), or straight to the mailer when there
 * is no Redis. Rows are claimed with FOR UPDATE SKIP LOCKED, so any number of replicas relay at
 * once without taking the same row. A row stuck in `queued` (its job lost with Redis, or a process
 * killed mid-send) is claimed again after NOTIFICATION_REQUEUE_AFTER_MS: the row is the truth.
 */
@Injectable()
export class NotificationRelay {
  private readonly logger = new Logger(NotificationRelay.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(NOTIFICATION_DELIVERY_OPTIONS) private readonly options: NotificationDeliveryOptions,
    private readonly dataSource: DataSource,
    private readonly queue: NotificationQueueService,
    private readonly delivery: NotificationDeliveryService,
  ) {}

  /** Without Redis, only a process that delivers has anything to relay to. */
  get enabled(): boolean {
    return this.queue.enabled || this.options.delivers;
  }

  /** One pass; returns how many rows it moved. */
  async relay(): Promise<number> {
    if (this.queue.enabled) return this.queue.ready ? this.dataSource.transaction((manager) => this.enqueueDue(manager)) : 0;
    if (!this.options.delivers) return 0;
    const claimed = await this.dataSource.transaction(async (manager) => {
      const ids = await this.claimDue(manager);
      await this.markQueued(manager, ids);
      return ids;
    });
    await this.deliverInProcess(claimed);
    return claimed.length;
  }

  private async enqueueDue(manager: EntityManager): Promise<number> {
    const enqueued: string[] = [];
    for (const id of await this.claimDue(manager)) {
      try {
        await this.queue.enqueue(id);
      } catch (error) {
        // Redis is away: the rest stay pending for the next tick; those already added are marked.
        this.logger.warn(`notification relay: cannot enqueue (${(error as Error).message}); ${id} stays pending`);
        break;
      }
      enqueued.push(id);
    }
    await this.markQueued(manager, enqueued);
    return enqueued.length;
  }

  private async claimDue(manager: EntityManager): Promise<string[]> {
    const rows = (await manager.query(
      `SELECT id FROM notifications
       WHERE (status = 'pending' AND next_attempt_at <= now())
          OR (status = 'queued' AND queued_at < now() - make_interval(secs => $2))
       ORDER BY created_at
       LIMIT $1
       FOR UPDATE SKIP LOCKED`,
      [this.config.NOTIFICATION_RELAY_BATCH, this.config.NOTIFICATION_REQUEUE_AFTER_MS / 1000],
    )) as { id: string }[];
    return rows.map((row) => row.id);
  }

  private async markQueued(manager: EntityManager, ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    await manager.query(`UPDATE notifications SET status = 'queued', queued_at = now() WHERE id = ANY($1::uuid[])`, [ids]);
  }

  /** Same attempts and backoff as the worker; a failure reschedules the row through next_attempt_at. */
  private async deliverInProcess(ids: string[]): Promise<void> {
    const pending = [...ids];
    const lanes = Array.from({ length: Math.min(this.config.NOTIFICATION_WORKER_CONCURRENCY, pending.length) }, async () => {
      for (let id = pending.shift(); id !== undefined; id = pending.shift()) {
        await this.delivery.attempt(id, 'in_process').catch((error: unknown) => this.logger.error(`notification ${id}: ${(error as Error).message}`));
      }
    });
    await Promise.all(lanes);
  }
}
