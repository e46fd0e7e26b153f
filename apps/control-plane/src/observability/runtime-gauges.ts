import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { Gauge, type Registry } from 'prom-client';
import type { DataSource } from 'typeorm';
import { APP_VERSION } from '../common/app-version.js';
import type { AppConfig } from '../config/app-config.js';
import { NOTIFICATION_QUEUE } from '../notifications/notification-queue.js';
import { METRIC } from './metrics.js';

const QUEUE_STATES = ['waiting', 'active', 'delayed', 'prioritized', 'failed'] as const;

/** node-postgres's pool counters; absent on the embedded database, which has no pool. */
interface PgPool {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
}

function pgPool(dataSource: DataSource): PgPool | undefined {
  const pool = (dataSource.driver as { master?: Partial<PgPool> }).master;
  return typeof pool?.totalCount === 'number' ? (pool as PgPool) : undefined;
}

/**
 * Gauges of this process and the systems it talks to: build info, the database pool and the BullMQ
 * queue (its own Redis connection, so a scrape never waits behind the relay). Returns what closes
 * that connection.
 */
export function registerRuntimeGauges(
  registry: Registry,
  dataSource: DataSource,
  config: Pick<AppConfig, 'REDIS_URL' | 'REDIS_KEY_PREFIX'>,
): () => Promise<void> {
  new Gauge({
    name: METRIC.buildInfo,
    help: 'Always 1; the labels name the running build.',
    labelNames: ['version', 'node_version'],
    registers: [registry],
  }).set({ version: APP_VERSION, node_version: process.version }, 1);
  new Gauge({
    name: METRIC.dbPoolConnections,
    help: 'Database pool connections of this process, by state (in_use, idle).',
    labelNames: ['state'],
    registers: [registry],
    collect() {
      const pool = dataSource.isInitialized ? pgPool(dataSource) : undefined;
      this.set({ state: 'in_use' }, pool ? pool.totalCount - pool.idleCount : 0);
      this.set({ state: 'idle' }, pool?.idleCount ?? 0);
    },
  });
  new Gauge({
    name: METRIC.dbPoolWaiting,
    help: 'Queries of this process waiting for a free database pool connection.',
    registers: [registry],
    collect() {
      this.set((dataSource.isInitialized ? pgPool(dataSource)?.waitingCount : undefined) ?? 0);
    },
  });

  // Fails fast while Redis is away (the readiness probe reports that); the scrape keeps the last values.
  const connection = config.REDIS_URL
    ? new Redis(config.REDIS_URL, { enableOfflineQueue: false, maxRetriesPerRequest: 1, connectionName: 'la-metrics' })
    : undefined;
  connection?.on('error', () => undefined);
  const queue = connection ? new Queue(NOTIFICATION_QUEUE, { connection, prefix: config.REDIS_KEY_PREFIX }) : undefined;
  queue?.on('error', () => undefined);
  new Gauge({
    name: METRIC.queueJobs,
    help: 'BullMQ jobs by queue and state (waiting, active, delayed, prioritized, failed); absent without REDIS_URL.',
    labelNames: ['queue', 'state'],
    registers: [registry],
    async collect() {
      if (!queue) return;
      const counts = await queue.getJobCounts(...QUEUE_STATES).catch(() => undefined);
      if (counts) for (const state of QUEUE_STATES) this.set({ queue: NOTIFICATION_QUEUE, state }, counts[state] ?? 0);
    },
  });
  return async () => {
    await queue?.close();
    connection?.disconnect();
  };
}
