import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import pg from 'pg';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';

/** The channel the `la_notify_entitlements` trigger notifies (migration 1764008000000). */
export const ENTITLEMENTS_CHANNEL = 'la_entitlements';
/** Payload meaning "any tenant may have changed": a plan was edited, or notifications may have been missed. */
export const ALL_TENANTS = '*';

const RECONNECT_MAX_MS = 30_000;
/**
 * The embedded database (PGlite served over its socket) delivers no NOTIFY to a listener, in process or on
 * the wire (tried): there, streams re-check every tenant this often instead. Development only.
 */
const EMBEDDED_RECHECK_MS = 2_000;

/**
 * Hears committed entitlement changes from every replica and process (webhooks, the sweeper, staff
 * edits, the CLI) through Postgres LISTEN on its own connection. Postgres and not Redis pub/sub:
 * the change commits in Postgres and the trigger's NOTIFY is part of that transaction, so a change
 * is announced exactly when it is visible and never for a rolled-back one, and it works where Redis
 * is not configured. After a reconnect it announces every tenant, since NOTIFYs sent while the
 * connection was down are lost.
 */
@Injectable()
export class EntitlementChanges implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(EntitlementChanges.name);
  private readonly listeners = new Set<(tenantId: string) => void>();
  private client: pg.Client | undefined;
  private stopped = false;
  private failures = 0;
  private retry: NodeJS.Timeout | undefined;
  private embeddedRecheck: NodeJS.Timeout | undefined;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  /** `tenantId` is a tenant id or `ALL_TENANTS`. */
  subscribe(listener: (tenantId: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.config.DATABASE_URL) return this.connect();
    this.embeddedRecheck = setInterval(() => this.emit(ALL_TENANTS), EMBEDDED_RECHECK_MS).unref();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retry);
    clearInterval(this.embeddedRecheck);
    await this.client?.end().catch(() => undefined);
  }

  private emit(tenantId: string): void {
    for (const listener of this.listeners) listener(tenantId);
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.config.DATABASE_URL, application_name: 'la-entitlements-listener' });
    this.client = client;
    client.on('notification', (message) => {
      if (message.channel === ENTITLEMENTS_CHANNEL && message.payload) this.emit(message.payload);
    });
    client.on('error', (error) => this.lost(client, error.message));
    client.on('end', () => this.lost(client, 'connection ended'));
    try {
      await client.connect();
      await client.query(`LISTEN ${ENTITLEMENTS_CHANNEL}`);
      if (this.failures > 0) {
        this.logger.log('entitlement change listener reconnected');
        this.emit(ALL_TENANTS);
      }
      this.failures = 0;
    } catch (error) {
      this.lost(client, (error as Error).message);
    }
  }

  private lost(client: pg.Client, reason: string): void {
    if (this.stopped || this.client !== client) return;
    this.client = undefined;
    client.end().catch(() => undefined);
    this.failures += 1;
    const delay = Math.min(RECONNECT_MAX_MS, 500 * 2 ** (this.failures - 1));
    this.logger.warn(`entitlement change listener lost (${reason}); reconnecting in ${delay} ms, streams keep their last state meanwhile`);
    this.retry = setTimeout(() => void this.connect(), delay);
  }
}
