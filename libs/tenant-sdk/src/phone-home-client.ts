import { z } from 'zod';
import { DAY_MS } from '@atlasai/license-core';
import { consoleLogger, systemClock, type SdkClock, type SdkLogger } from './sdk-logger.js';
import type { TenantLicense } from './tenant-license.js';
import type { UsageReport } from './tenant-entitlements.js';

/** The timer functions the client schedules with; tests pass fakes. */
export interface SdkTimer {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemTimer: SdkTimer = {
  setTimeout: (callback, ms) => {
    const handle = setTimeout(callback, ms);
    // A pending phone-home must not keep a tenant plane process alive on shutdown.
    handle.unref();
    return handle;
  },
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

export interface PhoneHomeOptions {
  license: TenantLicense;
  /** The control plane's base URL, e.g. `https://cp.atlastechlab.com`; `http:` only for loopback or with `allowInsecureHttp`. */
  cpUrl: string;
  /** `ATLASAI_CP_ALLOW_INSECURE_HTTP=1`: allow a plain-http control plane that is not on loopback (the token travels in clear). */
  allowInsecureHttp?: boolean;
  tpVersion: string;
  fingerprint?: string;
  /**
   * Current users, data volume and AI credits used, read at each call and reported against the license's
   * limits (the CP emails the tenant at 80% and 100%). Omit a figure the plane cannot measure.
   */
  usage?: () => UsageReport | Promise<UsageReport>;
  /** `ATLASAI_OFFLINE_MODE=1`: never call home. */
  offlineMode?: boolean;
  /** `LICENSE_PHONE_HOME_INTERVAL_MS`, default 24 h. */
  intervalMs?: number;
  /** The interval once less than a day of the license remains (default 6 h, seed 004). */
  urgentIntervalMs?: number;
  /** Per-request timeout (default 30 s). */
  timeoutMs?: number;
  /** First retry delay after a failure; doubles up to `maxBackoffMs` (defaults 1 min and 1 h), with full jitter. */
  backoffBaseMs?: number;
  maxBackoffMs?: number;
  fetch?: typeof fetch;
  clock?: SdkClock;
  timer?: SdkTimer;
  random?: () => number;
  logger?: SdkLogger;
}

export type PhoneHomeOutcome =
  | { outcome: 'renewed'; license_id: string }
  | { outcome: 'skipped'; reason: 'OFFLINE_MODE' | 'ON_PREM' | 'NO_LICENSE' }
  /** The CP answered with a refusal (`code` is the server's). */
  | { outcome: 'refused'; status: number; code: string; message: string }
  /** The reply was unusable: network error, timeout, 5xx, not JSON, or a token this tenant plane will not accept. */
  | { outcome: 'failed'; code: string; message: string };

/** The last call home and how it ended; `last_phone_home` in `describe()` stays the last successful renewal (seed 000). */
export interface PhoneHomeAttempt {
  at: string;
  outcome: 'renewed' | 'refused' | 'failed';
  /** The server's or the client's code for a refusal or failure; null when renewed. */
  code: string | null;
}

/** Why `cpUrl` must not be used: a plain-http address off loopback would send the license token in clear. */
export function insecureCpUrlProblem(cpUrl: string, allowInsecureHttp: boolean): string | undefined {
  const url = new URL(cpUrl);
  if (url.protocol !== 'http:' || allowInsecureHttp) return undefined;
  const host = url.hostname;
  if (host === 'localhost' || host === '[::1]' || /^127(\.\d{1,3}){3}$/.test(host)) return undefined;
  return `The control plane URL ${url.origin} is plain http: phone-home sends the license token, so use https (or set ATLASAI_CP_ALLOW_INSECURE_HTTP=1 for a trusted network).`;
}

const renewalSchema = z.object({ license: z.string().min(1), key_chain: z.unknown().optional() });
const refusalSchema = z.union([
  z.object({ code: z.string().min(1), message: z.string().optional() }),
  z.object({ error: z.object({ code: z.string().min(1), message: z.string().optional() }) }).transform((body) => body.error),
]);

/**
 * BYOC renewal: POSTs the current token to `{cpUrl}/api/v1/phone-home` every interval and swaps in
 * the renewed license only if it verifies, is for this tenant and is newer. Any failure leaves the
 * current license in place and is retried with capped exponential backoff and jitter.
 */
export class PhoneHomeClient {
  private handle: unknown;
  private failures = 0;
  private running = false;
  private attempt: PhoneHomeAttempt | null = null;
  private readonly clock: SdkClock;
  private readonly timer: SdkTimer;
  private readonly logger: SdkLogger;

  constructor(private readonly options: PhoneHomeOptions) {
    this.clock = options.clock ?? systemClock;
    this.timer = options.timer ?? systemTimer;
    this.logger = options.logger ?? consoleLogger;
    const problem = insecureCpUrlProblem(options.cpUrl, options.allowInsecureHttp ?? false);
    if (problem) throw new Error(problem);
  }

  /** Phones home now and then on schedule; does nothing in offline mode. Returns whether it is scheduled; a second call keeps the one schedule. */
  start(): boolean {
    if (this.options.offlineMode) {
      this.logger.info('[license] Phone-home disabled: ATLASAI_OFFLINE_MODE=1');
      return false;
    }
    // Running covers a call in flight too (no handle then): scheduling again would start a second loop.
    if (this.running) return true;
    this.running = true;
    this.schedule(0);
    return true;
  }

  stop(): void {
    this.running = false;
    if (this.handle !== undefined) this.timer.clearTimeout(this.handle);
    this.handle = undefined;
  }

  /** One call home; never throws. */
  async phoneHome(): Promise<PhoneHomeOutcome> {
    const skipped = this.skipReason();
    if (skipped) return { outcome: 'skipped', reason: skipped };
    const result = await this.call(this.options.license.token!);
    this.attempt = { at: this.clock.now().toISOString(), outcome: result.outcome, code: result.outcome === 'renewed' ? null : result.code };
    if (result.outcome === 'renewed') {
      this.logger.info(`[license] Phone-home renewed the license: license_id=${result.license_id}`);
    } else {
      this.logger.warn(`[license] Phone-home ${result.outcome}: ${result.code} (${result.message}); keeping the current license`);
    }
    return result;
  }

  /** The last call home (not skipped ones) and its result, or null before the first; in memory, per process. */
  lastAttempt(): PhoneHomeAttempt | null {
    return this.attempt;
  }

  /** The delay before the next call after `outcome`: the interval on success, backoff on failure. */
  nextDelay(outcome: PhoneHomeOutcome): number {
    const interval = this.interval();
    if (outcome.outcome === 'renewed' || outcome.outcome === 'skipped') {
      this.failures = 0;
      return interval;
    }
    this.failures += 1;
    const cap = Math.min(this.options.maxBackoffMs ?? 3_600_000, interval);
    const ceiling = Math.min(cap, (this.options.backoffBaseMs ?? 60_000) * 2 ** (this.failures - 1));
    // Full jitter spreads a fleet of tenant planes that all lost the CP at the same moment.
    return Math.max(1, Math.round(ceiling * (this.options.random ?? Math.random)()));
  }

  private schedule(ms: number): void {
    if (!this.running) return;
    this.handle = this.timer.setTimeout(() => void this.tick(), ms);
  }

  private async tick(): Promise<void> {
    this.handle = undefined;
    const outcome = await this.phoneHome();
    this.schedule(this.nextDelay(outcome));
  }

  private interval(): number {
    const regular = this.options.intervalMs ?? DAY_MS;
    const snapshot = this.options.license.status();
    // Seed 004: when expiry is a day away, check every 6 hours so a renewal still lands in time.
    const expiresAt = snapshot.valid ? snapshot.claims.exp * 1000 : Number.POSITIVE_INFINITY;
    // The same effective time as the phase: a clock set back must not stretch the cadence of an almost expired license.
    const urgent = expiresAt - this.options.license.effectiveNow().getTime() < DAY_MS;
    return urgent ? Math.min(regular, this.options.urgentIntervalMs ?? 6 * 3_600_000) : regular;
  }

  private skipReason(): 'OFFLINE_MODE' | 'ON_PREM' | 'NO_LICENSE' | undefined {
    if (this.options.offlineMode) return 'OFFLINE_MODE';
    if (this.options.license.token === undefined) return 'NO_LICENSE';
    const snapshot = this.options.license.status();
    // On-prem licenses are renewed by support, never over the network.
    if (snapshot.valid && snapshot.claims.deployment_mode === 'on_prem') return 'ON_PREM';
    return undefined;
  }

  /**
   * The plane's own figures, kept only when plausible: a renewal must never fail because a usage callback
   * threw or returned a negative or fractional count (the CP would refuse the whole call as invalid).
   */
  private async usageFigures(): Promise<UsageReport> {
    if (!this.options.usage) return {};
    let figures: UsageReport;
    try {
      figures = await this.options.usage();
    } catch (error) {
      this.logger.warn(`[license] Phone-home sends no usage figures: the usage callback failed: ${errorMessage(error)}`);
      return {};
    }
    const count = (value: unknown) => (Number.isSafeInteger(value) && (value as number) >= 0 ? (value as number) : undefined);
    const amount = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined);
    const kept = { users: count(figures?.users), data_volume_gb: amount(figures?.data_volume_gb), ai_credits_used: count(figures?.ai_credits_used) };
    return Object.fromEntries(Object.entries(kept).filter(([, value]) => value !== undefined));
  }

  private async call(token: string): Promise<Exclude<PhoneHomeOutcome, { outcome: 'skipped' }>> {
    const license = this.options.license;
    const body = {
      license: token,
      tp_version: this.options.tpVersion,
      ...(this.options.fingerprint ? { fingerprint: this.options.fingerprint } : {}),
      usage: { ...license.activeUseReport(), ...(await this.usageFigures()) },
    };
    const controller = new AbortController();
    const timeoutMs = this.options.timeoutMs ?? 30_000;
    const timeout = this.timer.setTimeout(() => controller.abort(), timeoutMs);
    let status: number;
    let text: string;
    try {
      const response = await (this.options.fetch ?? fetch)(`${this.options.cpUrl.replace(/\/+$/, '')}/api/v1/phone-home`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify(body),
        signal: controller.signal,
        // Following a redirect would POST the token to an address nobody configured.
        redirect: 'error',
      });
      if (response.type === 'opaqueredirect' || (response.status >= 300 && response.status < 400)) return redirectFailure(`HTTP ${response.status}`);
      status = response.status;
      text = await response.text();
    } catch (error) {
      if (controller.signal.aborted) return { outcome: 'failed', code: 'TIMEOUT', message: `no reply within ${timeoutMs} ms` };
      if (/redirect/i.test(`${errorMessage(error)} ${(error as { cause?: { message?: string } }).cause?.message ?? ''}`)) return redirectFailure('a redirect');
      return { outcome: 'failed', code: 'NETWORK_ERROR', message: errorMessage(error) };
    } finally {
      this.timer.clearTimeout(timeout);
    }
    const json = parseJson(text);
    if (status >= 500) return { outcome: 'failed', code: 'SERVER_ERROR', message: `the control plane answered ${status}` };
    if (status >= 400) {
      const refusal = refusalSchema.safeParse(json);
      return refusal.success
        ? { outcome: 'refused', status, code: refusal.data.code, message: refusal.data.message ?? `HTTP ${status}` }
        : { outcome: 'refused', status, code: `HTTP_${status}`, message: 'the control plane refused without a code' };
    }
    const renewal = renewalSchema.safeParse(json);
    if (status !== 200 || !renewal.success) return { outcome: 'failed', code: 'BAD_RESPONSE', message: `HTTP ${status} without a license in a JSON body` };
    // The chain comes first: a renewal signed with a rotated key verifies only once its key is learned.
    const replaced = await license.replace(renewal.data.license, { origin: 'phone-home', requireNewer: true, keyChain: renewal.data.key_chain });
    if (!replaced.accepted) return { outcome: 'failed', code: replaced.code, message: replaced.message };
    license.recordPhoneHome(this.clock.now());
    return { outcome: 'renewed', license_id: replaced.license_id };
  }
}

function redirectFailure(answer: string): Extract<PhoneHomeOutcome, { outcome: 'failed' }> {
  return {
    outcome: 'failed',
    code: 'REDIRECT',
    message: `the control plane answered ${answer}; the token is not re-sent to another address, set ATLASAI_CP_URL to the final URL`,
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function errorMessage(error: unknown): string {
  const cause = (error as { cause?: { code?: string } }).cause?.code;
  return cause ?? (error instanceof Error ? error.message : String(error));
}
