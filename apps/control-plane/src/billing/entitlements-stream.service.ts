import { Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { Server } from 'node:http';
import { ALL_TENANTS, EntitlementChanges } from './entitlement-changes.listener.js';
import { Entitlements, entitlementsEtag } from './entitlements.service.js';

/** What a stream needs from Express's response: a socket to write frames to. */
export interface StreamSink {
  write(chunk: string): boolean;
  end(): void;
}

export const KEEP_ALIVE_MS = 15_000;
const TICK_MS = 1_000;
/** Entitlement computations at once per replica: a plan edit or a reconnect storm must leave pool connections for other requests. */
const CONCURRENT_COMPUTATIONS = 4;

/**
 * Holds the Server-Sent Events streams of SaaS tenant planes, per tenant. A change heard from
 * Postgres is computed once per tenant and written to each of its streams whose last event id
 * differs, so a stream never gets the same entitlements twice. Idle streams cost a socket and two
 * map entries; one timer per replica sends keep-alives.
 */
@Injectable()
export class EntitlementStreams implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(EntitlementStreams.name);
  /** tenant -> stream -> the ETag it last received (its Last-Event-ID at first). */
  private readonly streams = new Map<string, Map<StreamSink, string | undefined>>();
  /** The last event computed per tenant with streams: a stream joining a tenant already followed costs no query. */
  private readonly latest = new Map<string, { etag: string; frame: string }>();
  private computing = 0;
  private readonly waiting: (() => void)[] = [];
  private readonly inFlight = new Map<string, Promise<void>>();
  private readonly dirty = new Set<string>();
  private ticker: NodeJS.Timeout | undefined;
  private ticks = 0;
  private unsubscribe: (() => void) | undefined;

  constructor(
    private readonly entitlements: Entitlements,
    private readonly changes: EntitlementChanges,
    private readonly adapterHost: HttpAdapterHost,
  ) {}

  onApplicationBootstrap(): void {
    this.unsubscribe = this.changes.subscribe((tenantId) => this.changed(tenantId));
    this.ticker = setInterval(() => this.tick(), TICK_MS);
    this.ticker.unref();
  }

  onModuleDestroy(): void {
    this.unsubscribe?.();
    clearInterval(this.ticker);
    this.closeAll();
  }

  get size(): number {
    let count = 0;
    for (const tenant of this.streams.values()) count += tenant.size;
    return count;
  }

  /** Whether the tenant's entitlements are already followed here (it exists, no query needed). */
  follows(tenantId: string): boolean {
    return this.latest.has(tenantId);
  }

  /**
   * Registers a stream and sends the current entitlements unless `lastEventId` is already them: from
   * the tenant's last event when other streams follow it (changes reach it like the others), else computed.
   */
  open(tenantId: string, sink: StreamSink, lastEventId: string | undefined): () => void {
    let tenant = this.streams.get(tenantId);
    if (!tenant) this.streams.set(tenantId, (tenant = new Map()));
    const latest = this.latest.get(tenantId);
    if (!latest) {
      tenant.set(sink, lastEventId);
      this.refresh(tenantId);
    } else {
      if (latest.etag !== lastEventId) sink.write(latest.frame);
      tenant.set(sink, latest.etag);
    }
    return () => {
      tenant.delete(sink);
      if (tenant.size > 0 || this.streams.get(tenantId) !== tenant) return;
      // Nobody here follows the tenant any more, so its changes are no longer computed: forget its last event.
      this.streams.delete(tenantId);
      this.latest.delete(tenantId);
    };
  }

  private changed(tenantId: string): void {
    for (const tenant of tenantId === ALL_TENANTS ? [...this.streams.keys()] : [tenantId]) this.refresh(tenant);
  }

  /** One computation at a time per tenant; a change heard meanwhile runs it once more, so the last state always goes out. */
  private refresh(tenantId: string): void {
    if (!this.streams.has(tenantId)) return;
    if (this.inFlight.has(tenantId)) {
      this.dirty.add(tenantId);
      return;
    }
    const run = async () => {
      do {
        this.dirty.delete(tenantId);
        await this.push(tenantId);
      } while (this.dirty.has(tenantId));
    };
    this.inFlight.set(
      tenantId,
      run()
        .catch((error: unknown) => this.logger.warn(`entitlements of ${tenantId} not pushed: ${(error as Error).message}`))
        .finally(() => this.inFlight.delete(tenantId)),
    );
  }

  private async push(tenantId: string): Promise<void> {
    const body = await this.bounded(() => this.entitlements.forTenant(tenantId));
    const etag = entitlementsEtag(body);
    const frame = `id: ${etag}\nevent: entitlements\ndata: ${JSON.stringify(body)}\n\n`;
    if (!this.streams.has(tenantId)) return;
    this.latest.set(tenantId, { etag, frame });
    for (const [sink, sent] of this.streams.get(tenantId) ?? []) {
      if (sent === etag) continue;
      sink.write(frame);
      this.streams.get(tenantId)?.set(sink, etag);
    }
  }

  private async bounded<T>(compute: () => Promise<T>): Promise<T> {
    // A finishing computation hands its slot straight to the next waiter, so the bound holds.
    if (this.computing < CONCURRENT_COMPUTATIONS) this.computing += 1;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      return await compute();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.computing -= 1;
    }
  }

  private tick(): void {
    // Draining for shutdown waits for open requests: streams end as soon as the server stops listening, and clients reconnect elsewhere.
    const server = this.adapterHost.httpAdapter?.getHttpServer() as Server | undefined;
    if (server && !server.listening && this.streams.size > 0) return this.closeAll();
    this.ticks += 1;
    if ((this.ticks * TICK_MS) % KEEP_ALIVE_MS !== 0) return;
    for (const tenant of this.streams.values()) for (const sink of tenant.keys()) sink.write(': keep-alive\n\n');
  }

  private closeAll(): void {
    for (const tenant of this.streams.values()) for (const sink of tenant.keys()) sink.end();
    this.streams.clear();
    this.latest.clear();
  }
}
