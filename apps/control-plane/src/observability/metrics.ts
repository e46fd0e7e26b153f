import { Injectable, Logger } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { DataSource } from 'typeorm';
import { SUBSCRIPTION_STATUSES } from '../subscriptions/subscription.entity.js';

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
} as const;

/** A request that matched no route is labelled so, never by its raw URL (unbounded cardinality). */
export const UNMATCHED_ROUTE = '(unmatched)';

/**
 * The one place metrics are defined and recorded. Each recording method is a single increment, so
 * call sites stay one line. The registry belongs to the app (not prom-client's global one), so two
 * apps in one test process never share or collide on a metric.
 */
@Injectable()
export class Metrics {
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

  constructor(private readonly dataSource: DataSource) {
    collectDefaultMetrics({ register: this.registry });
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

  /** A scrape during a database outage keeps the last values; readiness is what reports the outage. */
  private async fromDatabase<Row>(sql: string): Promise<Row[] | undefined> {
    if (!this.dataSource.isInitialized) return undefined;
    try {
      return (await this.dataSource.query(sql)) as Row[];
    } catch (error) {
      this.logger.warn(`database gauges not refreshed: ${(error as Error).message}`);
      return undefined;
    }
  }
}
