import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { DataSource } from 'typeorm';
import { CLOCK, type Clock } from '../common/clock.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { SUBSCRIPTION_STATUSES } from '../subscriptions/subscription.entity.js';
import { registerLicenseGauges } from './license-gauges.js';
import { registerRuntimeGauges } from './runtime-gauges.js';

/** Every metric the control plane exports; dashboards and alerts depend on these names. */
export const METRIC = {
  httpRequests: 'la_http_requests_total',
  httpDuration: 'la_http_request_duration_seconds',
  licensesIssued: 'la_licenses_issued_total',
  phoneHomes: 'la_phone_homes_total',
  webhookEvents: 'la_stripe_webhook_events_total',
  notificationFailures: 'la_notification_delivery_failures_total',
  notificationQueueDepth: 'la_notification_queue_depth',
  notificationsFailed: 'la_notifications_failed',
  subscriptions: 'la_subscriptions',
  licenses: 'la_licenses',
  licensesExpiring: 'la_licenses_expiring_30d',
  installationsSilent: 'la_installations_silent',
  cloneAlerts: 'la_clone_alerts',
  queueJobs: 'la_queue_jobs',
  dbPoolConnections: 'la_db_pool_connections',
  dbPoolWaiting: 'la_db_pool_waiting_clients',
  buildInfo: 'la_build_info',
  sweepLastSuccess: 'la_sweep_last_success_timestamp_seconds',
} as const;

/** The periodic jobs whose last successful run is exported (an alert fires when one stops running). */
export type SweepKind = 'relay' | 'reminders' | 'billing' | 'phone_home_prune';

/** Reads rows for a gauge at scrape time; undefined when the database cannot answer now. */
export type GaugeQuery = <Row>(sql: string, parameters?: unknown[]) => Promise<Row[] | undefined>;

/**
 * The one place metrics are defined and recorded. Each recording method is a single increment, so
 * call sites stay one line. The registry belongs to the app (not prom-client's global one), so two
 * apps in one test process never share or collide on a metric.
 */
@Injectable()
export class Metrics implements OnApplicationShutdown {
  readonly registry = new Registry();
  private readonly logger = new Logger(Metrics.name);
  private readonly httpRequests = new Counter({
    name: METRIC.httpRequests,
    help: 'HTTP requests answered, by method, route template and status code.',
    labelNames: ['method', 'route', 'status_code'],
    registers: [this.registry],
  });
  private readonly httpDuration = new Histogram({
    name: METRIC.httpDuration,
    help: 'HTTP request latency in seconds, by method, route template and status code.',
    labelNames: ['method', 'route', 'status_code'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  private readonly licensesIssued = new Counter({
    name: METRIC.licensesIssued,
    help: 'Licenses issued by support, by deployment mode.',
    labelNames: ['mode'],
    registers: [this.registry],
  });
  private readonly phoneHomes = new Counter({
    name: METRIC.phoneHomes,
    help: 'BYOC phone-home calls, by result ("renewed" or the refusal code).',
    labelNames: ['result'],
    registers: [this.registry],
  });
  private readonly webhookEvents = new Counter({
    name: METRIC.webhookEvents,
    help: 'Stripe webhook events received, by event type and outcome.',
    labelNames: ['type', 'outcome'],
    registers: [this.registry],
  });
  private readonly notificationFailures = new Counter({
    name: METRIC.notificationFailures,
    help: 'Notification delivery attempts that failed in this process, by stage.',
    labelNames: ['stage'],
    registers: [this.registry],
  });
  private readonly sweepLastSuccess = new Gauge({
    name: METRIC.sweepLastSuccess,
    help: 'Unix time of the last successful run of each periodic sweep in this process (relay, reminders, billing).',
    labelNames: ['sweep'],
    registers: [this.registry],
  });
  private readonly closeRuntimeGauges: () => Promise<void>;

  constructor(
    private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) config: AppConfig,
    @Inject(CLOCK) clock: Clock,
  ) {
    collectDefaultMetrics({ register: this.registry });
    const query: GaugeQuery = (sql, parameters) => this.fromDatabase(sql, parameters);
    registerLicenseGauges(this.registry, query, config, clock);
    this.closeRuntimeGauges = registerRuntimeGauges(this.registry, dataSource, config);
    // Read from the database at scrape time, so every replica reports the same numbers and nothing
    // drifts when another process (the worker, another replica) changes a row.
    const fromDatabase = this.fromDatabase.bind(this);
    new Gauge({
      name: METRIC.notificationQueueDepth,
      help: 'Notifications recorded but not yet sent (pending or queued).',
      registers: [this.registry],
      async collect() {
        const rows = await fromDatabase<{ n: number }>(`SELECT count(*)::int AS n FROM notifications WHERE status IN ('pending', 'queued')`);
        if (rows) this.set(rows[0].n);
      },
    });
    new Gauge({
      name: METRIC.notificationsFailed,
      help: 'Notifications whose delivery failed for good (retries exhausted).',
      registers: [this.registry],
      async collect() {
        const rows = await fromDatabase<{ n: number }>(`SELECT count(*)::int AS n FROM notifications WHERE status = 'failed'`);
        if (rows) this.set(rows[0].n);
      },
    });
    new Gauge({
      name: METRIC.subscriptions,
      help: 'Subscriptions by status.',
      labelNames: ['status'],
      registers: [this.registry],
      async collect() {
        const rows = await fromDatabase<{ status: string; n: number }>(`SELECT status, count(*)::int AS n FROM subscriptions GROUP BY status`);
        if (rows) for (const status of SUBSCRIPTION_STATUSES) this.set({ status }, rows.find((row) => row.status === status)?.n ?? 0);
      },
    });
  }

  httpRequest(method: string, route: string, statusCode: number, seconds: number): void {
    const labels = { method, route, status_code: String(statusCode) };
    this.httpRequests.inc(labels);
    this.httpDuration.observe(labels, seconds);
  }

  licenseIssued(mode: string): void {
    this.licensesIssued.inc({ mode });
  }

  /** `result` is "renewed" or the refusal's error code (LICENSE_REVOKED, SUBSCRIPTION_INACTIVE, ...). */
  phoneHome(result: string): void {
    this.phoneHomes.inc({ result });
  }

  /** `outcome`: processed, duplicate, ignored, rejected or failed. */
  webhookEvent(type: string, outcome: string): void {
    this.webhookEvents.inc({ type, outcome });
  }

  notificationFailed(stage: string): void {
    this.notificationFailures.inc({ stage });
  }

  sweepSucceeded(sweep: SweepKind): void {
    this.sweepLastSuccess.set({ sweep }, Date.now() / 1000);
  }

  onApplicationShutdown(): Promise<void> {
    return this.closeRuntimeGauges();
  }

  /** A scrape during a database outage keeps the last values; readiness is what reports the outage. */
  private async fromDatabase<Row>(sql: string, parameters?: unknown[]): Promise<Row[] | undefined> {
    if (!this.dataSource.isInitialized) return undefined;
    try {
      return (await this.dataSource.query(sql, parameters)) as Row[];
    } catch (error) {
      this.logger.warn(`database gauges not refreshed: ${(error as Error).message}`);
      return undefined;
    }
  }
}
