import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { writeFileAtomic } from './atomic-file.js';
import { insecureCpUrlProblem, systemTimer, type SdkTimer } from './phone-home-client.js';
import { DEFAULT_UPGRADE_URL, PlanQueries, type PlanEntitlements } from './plan-entitlements.js';
import { consoleLogger, systemClock, type SdkClock, type SdkLogger } from './sdk-logger.js';
import { SseParser } from './sse-parser.js';
import { decideSubscriptionAccess, DEFAULT_SUBSCRIPTION_POLICY, type SubscriptionDecision, type SubscriptionPolicy } from './subscription-access.js';

const limit = z.number().int().nonnegative().nullable();

/** The control plane's `GET /api/v1/tenants/:id/entitlements` body; unknown fields are kept out. */
export const entitlementsSchema = z.object({
  tenant_id: z.string().min(1),
  access: z.enum(['full', 'read_only', 'blocked']),
  subscription_status: z.string().nullable(),
  grace_ends_at: z.string().nullable(),
  plan_id: z.string().nullable(),
  plan_name: z.string().nullable(),
  limits: z.object({ users: limit, data_volume_gb: limit, ai_credits: limit, retention_days: limit }).nullable(),
  modules: z.array(z.string()),
  addons: z.array(z.string()),
  ai_credits: limit.optional(),
  portal_url: z.string().optional(),
});
export type Entitlements = z.infer<typeof entitlementsSchema>;

const persistedSchema = z.object({ etag: z.string().nullable(), confirmed_at: z.iso.datetime(), entitlements: entitlementsSchema });

export interface TenantEntitlementsOptions {
  /** The control plane's base URL; `http:` only for loopback or with `allowInsecureHttp` (the service token is sent). */
  cpUrl: string;
  /** A `service` API token of this tenant (`licensectl tokens create --role service --tenant <id>`). */
  serviceToken: string;
  tenantId: string;
  allowInsecureHttp?: boolean;
  /** How often to re-read the entitlements with If-None-Match, beside the push stream (default 60 s). */
  pollIntervalMs?: number;
  /** Follow the control plane's Server-Sent Events stream (default true). */
  stream?: boolean;
  /** Where the last entitlements are kept, so a restart during a control-plane outage keeps them. */
  stateFile?: string;
  /** A stream silent for this long is presumed dead and reconnected (default 45 s; the CP sends a keep-alive every 15 s). */
  idleTimeoutMs?: number;
  /** Per-request timeout for the poll (default 10 s). */
  timeoutMs?: number;
  /** First reconnect delay; doubles up to `maxBackoffMs` (defaults 1 s and 30 s), with full jitter. */
  backoffBaseMs?: number;
  maxBackoffMs?: number;
  /** Used when the control plane names no portal (default the AtlasAI customer portal). */
  upgradeUrl?: string;
  policy?: Partial<SubscriptionPolicy>;
  fetch?: typeof fetch;
  clock?: SdkClock;
  timer?: SdkTimer;
  random?: () => number;
  logger?: SdkLogger;
}

/** What a SaaS plane reports against its limits; omit a figure it cannot measure. */
export interface UsageReport {
  users?: number;
  data_volume_gb?: number;
  ai_credits_used?: number;
}

/** What the plane believes and how fresh that belief is. */
export interface EntitlementsState {
  /** False until entitlements were read from the control plane or the state file. */
  known: boolean;
  entitlements: Entitlements | null;
  etag: string | null;
  /** The last time the control plane confirmed these entitlements (a 200, a 304 or a stream event). */
  confirmed_at: string | null;
  /** Seconds since `confirmed_at`; grows while the control plane cannot be reached. */
  stale_seconds: number | null;
  stream_connected: boolean;
  /** Why the last call to the control plane failed; null once it answers again. */
  last_error: string | null;
}

/**
 * A SaaS or dedicated tenant plane's view of its entitlements: polled with If-None-Match, pushed
 * over Server-Sent Events, kept (and persisted) through control-plane outages. An outage never
 * changes the access level: only the control plane's answer does.
 */
export class TenantEntitlements extends PlanQueries {
  private current: Entitlements | null = null;
  private etag: string | null = null;
  private confirmedAt: Date | null = null;
  private lastError: string | null = null;
  private outageSince: Date | null = null;
  private connected = false;
  private running = false;
  private pollHandle: unknown;
  private reconnectHandle: unknown;
  private idleHandle: unknown;
  private streamAbort: AbortController | undefined;
  private streamFailures = 0;
  private readonly clock: SdkClock;
  private readonly timer: SdkTimer;
  private readonly logger: SdkLogger;
  private readonly policy: SubscriptionPolicy;
  private readonly base: string;

  constructor(private readonly options: TenantEntitlementsOptions) {
    super();
    const problem = insecureCpUrlProblem(options.cpUrl, options.allowInsecureHttp ?? false);
    if (problem) throw new Error(problem.replace('phone-home sends the license token', 'the service token is sent'));
    this.clock = options.clock ?? systemClock;
    this.timer = options.timer ?? systemTimer;
    this.logger = options.logger ?? consoleLogger;
    this.policy = { ...DEFAULT_SUBSCRIPTION_POLICY, ...options.policy };
    this.base = `${options.cpUrl.replace(/\/+$/, '')}/api/v1/tenants/${encodeURIComponent(options.tenantId)}/entitlements`;
    this.loadStateFile();
  }

  /** Reads once now, then polls and follows the stream; a second call keeps the one schedule. */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    await this.refresh();
    this.schedulePoll();
    if (this.options.stream ?? true) this.connectStream();
  }

  stop(): void {
    this.running = false;
    for (const handle of [this.pollHandle, this.reconnectHandle, this.idleHandle]) if (handle !== undefined) this.timer.clearTimeout(handle);
    this.pollHandle = this.reconnectHandle = this.idleHandle = undefined;
    this.streamAbort?.abort();
    this.connected = false;
  }

  state(): EntitlementsState {
    const confirmed = this.confirmedAt;
    return {
      known: this.current !== null,
      entitlements: this.current,
      etag: this.etag,
      confirmed_at: confirmed?.toISOString() ?? null,
      stale_seconds: confirmed ? Math.max(0, Math.floor((this.clock.now().getTime() - confirmed.getTime()) / 1000)) : null,
      stream_connected: this.connected,
      last_error: this.lastError,
    };
  }

  plan(): PlanEntitlements | undefined {
    const current = this.current;
    if (!current) return undefined;
    return { plan_id: current.plan_id, plan_name: current.plan_name, modules: current.modules, addons: current.addons, limits: current.limits };
  }

  upgradeUrl(): string {
    return this.current?.portal_url ?? this.options.upgradeUrl ?? DEFAULT_UPGRADE_URL;
  }

  /** The access level applied to one request (see `decideSubscriptionAccess`). */
  authorize(request: { method: string; path: string }): SubscriptionDecision {
    const current = this.current;
    return decideSubscriptionAccess(
      request.method,
      request.path,
      current
        ? { access: current.access, subscription_status: current.subscription_status, grace_ends_at: current.grace_ends_at, portal_url: this.upgradeUrl() }
        : undefined,
      this.policy,
    );
  }

  /** One conditional read; never throws (a failure keeps what the plane has). */
  async refresh(): Promise<void> {
    const controller = new AbortController();
    const timeout = this.timer.setTimeout(() => controller.abort(), this.options.timeoutMs ?? 10_000);
    try {
      const response = await this.request(this.base, { accept: 'application/json', ...(this.etag ? { 'if-none-match': this.etag } : {}) }, controller.signal);
      if (response.status === 304) {
        this.confirm();
        return this.persist();
      }
      const text = await response.text();
      if (response.status !== 200) return this.failed(`HTTP ${response.status}${codeOf(text)}`);
      const parsed = entitlementsSchema.safeParse(parseJson(text));
      if (!parsed.success || parsed.data.tenant_id !== this.options.tenantId)
        return this.failed('the control plane answered without entitlements for this tenant');
      this.apply(parsed.data, response.headers.get('etag'));
    } catch (error) {
      this.failed(controller.signal.aborted ? 'timeout' : errorCode(error));
    } finally {
      this.timer.clearTimeout(timeout);
    }
  }

  /**
   * Reports current usage (`POST /api/v1/tenants/:id/usage`); the control plane shows it against the limits and
   * emails the tenant at 80% and 100% once a month. Never throws: returns whether the control plane took it.
   */
  async reportUsage(usage: UsageReport): Promise<{ accepted: boolean; reason?: string }> {
    const controller = new AbortController();
    const timeout = this.timer.setTimeout(() => controller.abort(), this.options.timeoutMs ?? 10_000);
    try {
      const response = await this.request(
        `${this.base.replace(/\/entitlements$/, '')}/usage`,
        { 'content-type': 'application/json' },
        controller.signal,
        JSON.stringify(usage),
      );
      const text = await response.text();
      return response.status === 200 ? { accepted: true } : { accepted: false, reason: `HTTP ${response.status}${codeOf(text)}` };
    } catch (error) {
      return { accepted: false, reason: controller.signal.aborted ? 'timeout' : errorCode(error) };
    } finally {
      this.timer.clearTimeout(timeout);
    }
  }

  private request(url: string, headers: Record<string, string>, signal: AbortSignal, body?: string): Promise<Response> {
    // Following a redirect would send the service token to an address nobody configured.
    return (this.options.fetch ?? fetch)(url, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { authorization: `Bearer ${this.options.serviceToken}`, ...headers },
      body,
      signal,
      redirect: 'error',
    });
  }

  private schedulePoll(): void {
    if (!this.running) return;
    this.pollHandle = this.timer.setTimeout(() => {
      void this.refresh().finally(() => this.schedulePoll());
    }, this.options.pollIntervalMs ?? 60_000);
  }

  private connectStream(): void {
    if (!this.running) return;
    void this.followStream().then((reason) => {
      this.connected = false;
      if (!this.running) return;
      this.streamFailures += 1;
      const ceiling = Math.min(this.options.maxBackoffMs ?? 30_000, (this.options.backoffBaseMs ?? 1_000) * 2 ** (this.streamFailures - 1));
      // Full jitter: a control-plane restart must not bring every plane back in the same millisecond.
      const delay = Math.max(1, Math.round(ceiling * (this.options.random ?? Math.random)()));
      this.failed(`stream ${reason}; reconnecting in ${delay} ms`);
      this.reconnectHandle = this.timer.setTimeout(() => this.connectStream(), delay);
    });
  }

  /** Holds one stream until it ends; resolves with why. */
  private async followStream(): Promise<string> {
    const controller = new AbortController();
    this.streamAbort = controller;
    const idleMs = this.options.idleTimeoutMs ?? 45_000;
    const resetIdle = () => {
      if (this.idleHandle !== undefined) this.timer.clearTimeout(this.idleHandle);
      this.idleHandle = this.timer.setTimeout(() => controller.abort(), idleMs);
    };
    try {
      resetIdle();
      const response = await this.request(
        `${this.base}/stream`,
        { accept: 'text/event-stream', ...(this.etag ? { 'last-event-id': this.etag } : {}) },
        controller.signal,
      );
      if (response.status !== 200 || !response.body) return `refused: HTTP ${response.status}${codeOf(await response.text().catch(() => ''))}`;
      this.connected = true;
      this.streamFailures = 0;
      this.confirm();
      const parser = new SseParser();
      const decoder = new TextDecoder();
      const reader = response.body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return 'closed by the control plane';
        resetIdle();
        // Any byte, a keep-alive included, proves the control plane still holds the stream.
        this.confirm();
        for (const event of parser.feed(decoder.decode(value, { stream: true }))) {
          if (event.event !== 'entitlements') continue;
          const parsed = entitlementsSchema.safeParse(parseJson(event.data));
          if (parsed.success && parsed.data.tenant_id === this.options.tenantId) this.apply(parsed.data, event.id ?? null);
        }
      }
    } catch (error) {
      return controller.signal.aborted ? (this.running ? `silent for ${idleMs} ms` : 'stopped') : `failed: ${errorCode(error)}`;
    } finally {
      if (this.idleHandle !== undefined) this.timer.clearTimeout(this.idleHandle);
      this.idleHandle = undefined;
    }
  }

  private apply(entitlements: Entitlements, etag: string | null): void {
    const previous = this.current;
    this.current = entitlements;
    this.etag = etag;
    if (!previous || previous.access !== entitlements.access || previous.plan_id !== entitlements.plan_id) {
      this.logger.info(
        `[entitlements] access=${entitlements.access} subscription=${entitlements.subscription_status ?? 'none'} plan=${entitlements.plan_id ?? 'none'}${
          previous ? ` (was access=${previous.access} plan=${previous.plan_id ?? 'none'})` : ''
        }`,
      );
    }
    this.confirm();
    this.persist();
  }

  private confirm(): void {
    const now = this.clock.now();
    if (this.outageSince) {
      this.logger.info(`[entitlements] Control plane reachable again after ${Math.round((now.getTime() - this.outageSince.getTime()) / 1000)} s`);
    }
    this.outageSince = null;
    this.lastError = null;
    this.confirmedAt = now;
  }

  private failed(reason: string): void {
    this.lastError = reason;
    if (this.outageSince || !this.running) return;
    this.outageSince = this.clock.now();
    const kept = this.confirmedAt ? `keeping access=${this.current?.access} confirmed at ${this.confirmedAt.toISOString()}` : 'no entitlements known yet';
    this.logger.warn(`[entitlements] Control plane unreachable (${reason}): ${kept}; the access level changes only when the control plane says so`);
  }

  private persist(): void {
    if (!this.options.stateFile || !this.current || !this.confirmedAt) return;
    try {
      writeFileAtomic(this.options.stateFile, JSON.stringify({ etag: this.etag, confirmed_at: this.confirmedAt.toISOString(), entitlements: this.current }));
    } catch (error) {
      this.lastError = `cannot write ${this.options.stateFile} (${errorCode(error)})`;
    }
  }

  private loadStateFile(): void {
    const path = this.options.stateFile;
    if (!path) return;
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT')
        this.logger.warn(`[entitlements] Cannot read ${path} (${errorCode(error)}); starting without cached entitlements`);
      return;
    }
    const parsed = persistedSchema.safeParse(parseJson(text));
    if (!parsed.success || parsed.data.entitlements.tenant_id !== this.options.tenantId) {
      this.logger.warn(`[entitlements] Ignoring ${path}: not the entitlements of tenant ${this.options.tenantId}`);
      return;
    }
    this.current = parsed.data.entitlements;
    this.etag = parsed.data.etag;
    this.confirmedAt = new Date(parsed.data.confirmed_at);
    this.logger.info(`[entitlements] Loaded from ${path}: access=${this.current.access}, confirmed at ${parsed.data.confirmed_at}`);
  }
}

/** Creates the client and starts it: one read now (kept cached entitlements if it fails), then poll and stream. */
export async function createTenantEntitlements(options: TenantEntitlementsOptions): Promise<TenantEntitlements> {
  const entitlements = new TenantEntitlements(options);
  await entitlements.start();
  return entitlements;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function codeOf(text: string): string {
  const code = (parseJson(text) as { error?: { code?: unknown } } | undefined)?.error?.code;
  return typeof code === 'string' ? ` ${code}` : '';
}

function errorCode(error: unknown): string {
  const cause = (error as { cause?: { code?: string } }).cause?.code;
  return cause ?? (error as NodeJS.ErrnoException).code ?? (error instanceof Error ? error.message : String(error));
}
