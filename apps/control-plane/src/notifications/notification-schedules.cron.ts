import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { DataSource, type EntityManager } from 'typeorm';
import { ApiTokenExpiryReminders } from '../auth/api-token-expiry-reminders.service.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { Metrics } from '../observability/metrics.js';
import { PhoneHomeRetention } from '../phone-home/phone-home-retention.service.js';
import { LicenseExpiryReminders } from './license-expiry-reminders.service.js';
import { NotificationRelay } from './notification-relay.service.js';
import { PhoneHomeSilenceAlerts } from './phone-home-silence-alerts.service.js';

/** Any fixed 64-bit number shared by every replica; it names the notification sweep's lock. */
const SWEEP_LOCK_ID = 4_242_006;

/**
 * The notification ticks, registered on @nestjs/schedule with configurable periods. The relay may run
 * on every replica at once (rows are claimed with SKIP LOCKED); the sweep that records reminders and
 * alerts runs on one replica at a time (transaction-scoped advisory lock), and is idempotent anyway
 * because each reminder has its deduplication key. The phone-home prune (PHONE_HOME_RETENTION_DAYS)
 * shares the sweep's period and runs on one replica at a time too, one transaction per batch.
 */
@Injectable()
export class NotificationSchedules implements OnApplicationBootstrap, OnModuleDestroy, BeforeApplicationShutdown {
  private readonly logger = new Logger(NotificationSchedules.name);
  private readonly running = new Map<string, Promise<void>>();
  private readonly names: string[] = [];

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly registry: SchedulerRegistry,
    private readonly dataSource: DataSource,
    private readonly relay: NotificationRelay,
    private readonly reminders: LicenseExpiryReminders,
    private readonly silence: PhoneHomeSilenceAlerts,
    private readonly tokenReminders: ApiTokenExpiryReminders,
    private readonly retention: PhoneHomeRetention,
    private readonly metrics: Metrics,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.SCHEDULES_ENABLED) return;
    if (this.relay.enabled)
      this.every('notifications.relay', this.config.NOTIFICATION_RELAY_INTERVAL_MS, () => this.relay.relay().then(() => this.metrics.sweepSucceeded('relay')));
    this.every('notifications.sweep', this.config.NOTIFICATION_SWEEP_INTERVAL_MS, () =>
      this.sweep().then((ran) => ran && this.metrics.sweepSucceeded('reminders')),
    );
    if (this.config.PHONE_HOME_RETENTION_DAYS > 0)
      this.every('phone-homes.prune', this.config.NOTIFICATION_SWEEP_INTERVAL_MS, () =>
        this.retention.prune().then((result) => result.ran && this.metrics.sweepSucceeded('phone_home_prune')),
      );
  }

  /** Records due reminders and alerts; false when another replica holds the sweep. */
  sweep(): Promise<boolean> {
    return this.dataSource.transaction(async (manager: EntityManager) => {
      const [{ locked }] = (await manager.query('SELECT pg_try_advisory_xact_lock($1) AS locked', [SWEEP_LOCK_ID])) as [{ locked: boolean }];
      if (!locked) return false;
      await this.reminders.record(manager);
      await this.silence.record(manager);
      await this.tokenReminders.record(manager);
      return true;
    });
  }

  /** Runs at boot (a restarted process picks up what it left), then every `ms`; never overlaps itself. */
  private every(name: string, ms: number, task: () => Promise<unknown>): void {
    const run = () => {
      if (this.running.has(name)) return;
      const done = task()
        .then(() => undefined)
        .catch((error: unknown) => this.logger.error(`${name}: ${(error as Error).message}`))
        .finally(() => this.running.delete(name));
      this.running.set(name, done);
    };
    this.registry.addInterval(name, setInterval(run, ms));
    this.names.push(name);
    run();
  }

  onModuleDestroy(): void {
    for (const name of this.names.splice(0)) this.registry.deleteInterval(name);
  }

  /** A tick in flight (an email being sent in-process) finishes while the database is still open. */
  async beforeApplicationShutdown(): Promise<void> {
    await Promise.all(this.running.values());
  }
}
