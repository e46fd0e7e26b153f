import { readFileSync } from 'node:fs';
import { computeLicensePhase, keyChainSchema, type LicenseClaims, type LicenseStatus } from '@atlasai/license-core';
import { ActiveUseCounter, type ActiveUseReport } from './active-use-counter.js';
import { writeFileAtomic } from './atomic-file.js';
import { decideAccess, DEFAULT_ENFORCEMENT_POLICY, type AccessDecision, type EnforcementPolicy } from './enforcement.js';
import { HighWaterMarkStore } from './high-water-mark-store.js';
import { describeLicense, licenseBanner, type LicenseBanner, type LicenseDescription } from './license-description.js';
import { verifyTenantLicense, type TenantInvalidReason, type TenantVerification } from './license-verification.js';
import { DEFAULT_UPGRADE_URL, PlanQueries, type PlanEntitlements } from './plan-entitlements.js';
import { consoleLogger, systemClock, type SdkClock, type SdkLogger } from './sdk-logger.js';
import type { TrustedKeys } from './trusted-keys.js';

export interface TenantLicenseOptions {
  /** The CP's public keys; without them every token is invalid (`cp_license_public_key_configured: false`). */
  keys?: TrustedKeys;
  issuer: string;
  audience: string;
  tpVersion: string;
  offlineMode?: boolean;
  /** The token from `ATLASAI_LICENSE_KEY`. */
  token?: string;
  /** Where accepted licenses are persisted (and read at startup); the newer of it and `token` wins. */
  licenseFile?: string;
  /** The high-water mark file (clock rollback, newest `iat`, tenant, last phone-home). */
  stateFile?: string;
  /** This machine's locking code (see `machineFingerprint`). */
  fingerprint?: string;
  /** Tolerated clock skew for `iat`/`nbf` in the future, in seconds (default 300). */
  skewSeconds?: number;
  policy?: Partial<EnforcementPolicy>;
  clock?: SdkClock;
  logger?: SdkLogger;
  /** Named in module and limit refusals (default the AtlasAI customer portal). */
  upgradeUrl?: string;
}

/** `describe()` plus what the plan grants: the seed's body stays as it is, this one is for richer UIs. */
export type LicenseDetails = LicenseDescription & { license: LicenseDescription['license'] & Pick<PlanEntitlements, 'modules' | 'limits'> };

export type LicenseOrigin = 'env' | 'file' | 'upload' | 'phone-home';

export type LicenseSnapshot =
  | { status: 'missing'; valid: false; reason: 'NO_LICENSE'; message: string; days_remaining: 0 }
  | { status: 'invalid'; valid: false; reason: TenantInvalidReason | RollbackRefusalCode | 'UNREADABLE'; message: string; days_remaining: 0 }
  | { status: Exclude<LicenseStatus, 'invalid'>; valid: true; claims: LicenseClaims; days_remaining: number; phase_ends_at: Date | null };

/** Why a verified token would roll this tenant plane back: refused by `replace()` and, against the persisted state, at load. */
export type RollbackRefusalCode = 'LICENSE_OTHER_TENANT' | 'LICENSE_OLDER';

export type ReplaceRefusalCode = 'LICENSE_INVALID' | RollbackRefusalCode | 'LICENSE_NOT_NEWER';

/** `persisted`: the license file holds the license, so it survives a restart (false when no file is configured). */
export type ReplaceResult =
  | { accepted: true; unchanged: boolean; persisted: boolean; license_id: string; status: LicenseSnapshot['status']; days_remaining: number }
  | { accepted: false; code: ReplaceRefusalCode; message: string; reason?: TenantInvalidReason };

interface Held {
  token: string;
  origin: LicenseOrigin;
  /** A verified token refused at load because it would roll the tenant back is held as invalid with that code. */
  verification: TenantVerification | { valid: false; reason: RollbackRefusalCode; message: string };
  /** Whether the license file holds this token, so it survives a restart. */
  persisted: boolean;
}

/**
 * The tenant plane's license: loaded once, verified offline, replaced without restart, and
 * evaluated on every call against the later of the wall clock and the high-water mark.
 */
export class TenantLicense extends PlanQueries {
  private held: Held | undefined;
  /** Why the license file could not be used when nothing else was loaded: reported as `invalid`, not `missing`. */
  private unreadable: string | undefined;
  private readonly marks: HighWaterMarkStore;
  private readonly activeUses = new ActiveUseCounter();
  private readonly policy: EnforcementPolicy;
  private readonly clock: SdkClock;
  private readonly logger: SdkLogger;
  private replacing: Promise<unknown> = Promise.resolve();

  private constructor(private readonly options: TenantLicenseOptions) {
    super();
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger ?? consoleLogger;
    this.policy = { ...DEFAULT_ENFORCEMENT_POLICY, ...options.policy };
    this.marks = new HighWaterMarkStore({ path: options.stateFile, logger: this.logger });
  }

  /**
   * Reads the configured token and the persisted license file, keeps the newest valid one that does not roll the
   * persisted state back (older than its newest `iat`, or another tenant), and logs one status line.
   */
  static async load(options: TenantLicenseOptions): Promise<TenantLicense> {
    const license = new TenantLicense(options);
    // Keys learned before a restart are proved again from the configured ones before any token is judged.
    await options.keys?.learn(license.marks.snapshot.key_chain ?? []);
    const candidates: Held[] = [];
    const notes: string[] = [];
    const envToken = options.token?.trim();
    if (envToken) candidates.push({ token: envToken, origin: 'env', verification: await license.verify(envToken), persisted: false });
    if (options.licenseFile) {
      const file = license.readLicenseFile(options.licenseFile);
      if (file.token !== undefined) candidates.push({ token: file.token, origin: 'file', verification: await license.verify(file.token), persisted: true });
      else if (file.problem) {
        notes.push(`license file ${options.licenseFile} ignored: ${file.problem}`);
        license.unreadable = `The license file ${options.licenseFile} is ${file.problem}.`;
      }
    }
    // A token written back into the file or the env after a newer one was accepted must not roll the tenant back on restart.
    const refused: Held[] = [];
    for (const candidate of candidates) {
      const refusal = candidate.verification.valid ? license.rollbackRefusal(candidate.verification.claims, undefined) : undefined;
      if (refusal) {
        candidate.verification = { valid: false, reason: refusal.code, message: refusal.message };
        refused.push(candidate);
      }
    }
    // The newest valid token wins; on a tie (and among refused ones) the file wins because it holds the last accepted replacement.
    const fileFirst = (a: Held) => (a.origin === 'file' ? -1 : 1);
    const valid = candidates.filter((candidate) => candidate.verification.valid);
    const chosen = valid.sort((a, b) => iatOf(b) - iatOf(a) || fileFirst(a))[0] ?? refused.sort(fileFirst)[0] ?? candidates[0];
    for (const candidate of candidates) {
      if (candidate.verification.valid) continue;
      if (refused.includes(candidate)) {
        // An env token older than the renewal in the file is the normal state after a renewal: not worth a note.
        if (chosen === candidate || !chosen?.verification.valid || candidate.verification.reason === 'LICENSE_OTHER_TENANT')
          notes.push(`${candidate.origin} license refused: ${candidate.verification.message.replace(/\.$/, '')}`);
      } else if (candidate !== chosen) notes.push(`${candidate.origin} license ignored: ${candidate.verification.reason}`);
    }
    license.held = chosen;
    if (chosen?.verification.valid) license.marks.recordLicense(chosen.verification.claims.tenant_id, chosen.verification.claims.iat);
    const snapshot = license.status();
    const summary =
      snapshot.valid || snapshot.status === 'missing'
        ? `status=${snapshot.status === 'missing' ? 'invalid' : snapshot.status}, days_remaining=${snapshot.days_remaining}`
        : `status=invalid, reason=${snapshot.reason}`;
    const head = chosen ? `[license] Loaded from ${chosen.origin}` : '[license] No license configured';
    license.logger.info(`${head}: ${summary}${notes.length > 0 ? ` (${notes.join('; ')})` : ''}`);
    return license;
  }

  /** The current state, judged at the later of the wall clock and every time seen before. */
  status(): LicenseSnapshot {
    const now = this.marks.effectiveNow(this.clock.now());
    const held = this.held;
    if (!held && this.unreadable) return { status: 'invalid', valid: false, reason: 'UNREADABLE', message: this.unreadable, days_remaining: 0 };
    if (!held) return { status: 'missing', valid: false, reason: 'NO_LICENSE', message: 'No license is configured.', days_remaining: 0 };
    if (!held.verification.valid) {
      return { status: 'invalid', valid: false, reason: held.verification.reason, message: held.verification.message, days_remaining: 0 };
    }
    const phase = computeLicensePhase(held.verification.claims, now);
    return { status: phase.status, valid: true, claims: held.verification.claims, days_remaining: phase.days_remaining, phase_ends_at: phase.phase_ends_at };
  }

  /** The body of `GET /api/admin/license`. */
  describe(): LicenseDescription {
    const snapshot = this.status();
    return describeLicense({
      token: this.held?.token,
      status: snapshot.status === 'missing' ? 'invalid' : snapshot.status,
      claims: snapshot.valid ? snapshot.claims : undefined,
      daysRemaining: snapshot.days_remaining,
      offlineMode: this.options.offlineMode ?? false,
      tpVersion: this.options.tpVersion,
      publicKeyConfigured: this.options.keys !== undefined,
      lastPhoneHome: this.marks.snapshot.last_phone_home,
    });
  }

  /** The plan of the verified license (whatever its phase: enforcement of the phase is `authorize`'s job). */
  plan(): PlanEntitlements | undefined {
    const snapshot = this.status();
    if (!snapshot.valid) return undefined;
    const { plan_id, plan_name, modules, addons, limits } = snapshot.claims;
    return { plan_id, plan_name, modules, addons, limits };
  }

  upgradeUrl(): string {
    return this.options.upgradeUrl ?? DEFAULT_UPGRADE_URL;
  }

  details(): LicenseDetails {
    const description = this.describe();
    const plan = this.plan();
    return { ...description, license: { ...description.license, modules: plan ? [...plan.modules] : [], limits: plan?.limits ?? null } };
  }

  banner(): LicenseBanner {
    const snapshot = this.status();
    return snapshot.valid ? licenseBanner(snapshot.status, snapshot.days_remaining) : licenseBanner('invalid', 0, snapshot.reason);
  }

  /** The token to send home; never log it. */
  get token(): string | undefined {
    return this.held?.token;
  }

  get lastPhoneHome(): string | null {
    return this.marks.snapshot.last_phone_home;
  }

  /**
   * Verifies `token` and, if it is for this tenant and not older than the newest license seen,
   * persists it atomically and switches to it. A refused token changes nothing.
   * `requireNewer` (phone-home) also refuses the same license: a renewal must be newer.
   */
  replace(token: string, options: { origin?: LicenseOrigin; requireNewer?: boolean; keyChain?: unknown } = {}): Promise<ReplaceResult> {
    const run = this.replacing.then(async () => {
      if (options.keyChain !== undefined) await this.learnKeyChain(options.keyChain);
      return this.replaceNow(token.trim(), options.origin ?? 'upload', options.requireNewer ?? false);
    });
    this.replacing = run.catch(() => undefined);
    return run;
  }

  /** Enforcement for one request; counts an active use when the route needs a license and an identity is given. */
  authorize(request: { method: string; path: string; machine?: string; user?: string }): AccessDecision {
    const snapshot = this.status();
    const decision = decideAccess(request.method, request.path, snapshot.status, this.policy);
    if (!decision.allow || !decision.licensed || !snapshot.valid || request.machine === undefined || request.user === undefined) return decision;
    const use = this.activeUses.record(request.machine, request.user, this.marks.effectiveNow(this.clock.now()), snapshot.claims.max_active_uses);
    return use.allow ? decision : { allow: false, code: use.code, message: use.message };
  }

  activeUseReport(): ActiveUseReport {
    return this.activeUses.report(this.marks.effectiveNow(this.clock.now()));
  }

  /** The later of the wall clock and the high-water mark: the time every phase is judged at. */
  effectiveNow(): Date {
    return this.marks.effectiveNow(this.clock.now());
  }

  recordPhoneHome(at: Date): void {
    this.marks.recordPhoneHome(at);
  }

  /**
   * Trusts the keys of the CP's key chain (a phone-home reply's `key_chain`, or the `license-key-chain.json`
   * that comes with a license) that a trusted key endorsed, and keeps them in the state file (in memory
   * without one). Returns the kids learned; a malformed or unrelated chain teaches nothing.
   */
  async learnKeyChain(chain: unknown): Promise<string[]> {
    const links = keyChainSchema.safeParse(Array.isArray(chain) ? chain : (chain as { keys?: unknown } | null)?.keys);
    if (!links.success || !this.options.keys) return [];
    const learned = await this.options.keys.learn(links.data);
    if (learned.length === 0) return [];
    this.marks.recordKeyChain(learned);
    this.logger.info(`[license] Trusts new signing key(s) endorsed by a trusted key: ${learned.map((link) => link.kid).join(', ')}`);
    return learned.map((link) => link.kid);
  }

  private async replaceNow(token: string, origin: LicenseOrigin, requireNewer: boolean): Promise<ReplaceResult> {
    const verification = await this.verify(token);
    if (!verification.valid) {
      return { accepted: false, code: 'LICENSE_INVALID', reason: verification.reason, message: `The license was refused: ${verification.message}` };
    }
    const claims = verification.claims;
    const current = this.held?.verification.valid ? this.held.verification.claims : undefined;
    const refusal = this.rollbackRefusal(claims, current);
    if (refusal) return { accepted: false, ...refusal };
    if (current && current.jti === claims.jti) {
      if (requireNewer) return { accepted: false, code: 'LICENSE_NOT_NEWER', message: 'The license offered is the one already in use.' };
      return this.accepted(claims, true, this.held!.persisted);
    }
    // A renewal signed in the same second as its predecessor is still newer: it names it in renewed_from.
    if (requireNewer && current && claims.iat === current.iat && claims.renewed_from !== current.jti) {
      return { accepted: false, code: 'LICENSE_NOT_NEWER', message: 'The license offered is not newer than the one in use.' };
    }
    const persisted = this.persist(token);
    this.held = { token, origin, verification, persisted };
    this.unreadable = undefined;
    this.marks.recordLicense(claims.tenant_id, claims.iat);
    return this.accepted(claims, false, persisted);
  }

  /** Refuses a verified license for another tenant than this plane's, or issued before the newest license seen (also across restarts). */
  private rollbackRefusal(claims: LicenseClaims, current: LicenseClaims | undefined): { code: RollbackRefusalCode; message: string } | undefined {
    const tenant = current?.tenant_id ?? this.marks.snapshot.tenant_id;
    if (tenant !== null && claims.tenant_id !== tenant) {
      return { code: 'LICENSE_OTHER_TENANT', message: `The license is for tenant "${claims.tenant_id}", this tenant plane belongs to "${tenant}".` };
    }
    const newestIat = Math.max(current?.iat ?? 0, this.marks.snapshot.newest_iat ?? 0);
    if (claims.iat < newestIat) {
      return {
        code: 'LICENSE_OLDER',
        message: `The license was issued ${new Date(claims.iat * 1000).toISOString()}, before the newest license seen (${new Date(newestIat * 1000).toISOString()}); an older license cannot replace a newer one.`,
      };
    }
    return undefined;
  }

  private accepted(claims: LicenseClaims, unchanged: boolean, persisted: boolean): ReplaceResult {
    const snapshot = this.status();
    return { accepted: true, unchanged, persisted, license_id: claims.jti, status: snapshot.status, days_remaining: snapshot.days_remaining };
  }

  /** Without a license file nothing survives a restart: the caller is told `persisted: false`. */
  private persist(token: string): boolean {
    if (!this.options.licenseFile) return false;
    try {
      writeFileAtomic(this.options.licenseFile, `${token}\n`);
      return true;
    } catch (error) {
      this.logger.warn(
        `[license] Cannot write the license file ${this.options.licenseFile} (${(error as NodeJS.ErrnoException).code ?? 'error'}); the new license is used until restart`,
      );
      return false;
    }
  }

  private verify(token: string): Promise<TenantVerification> {
    if (!this.options.keys) {
      return Promise.resolve({ valid: false, reason: 'UNKNOWN_KID', message: 'CP_LICENSE_PUBLIC_KEY is not configured, so no license can be verified.' });
    }
    return verifyTenantLicense(token, {
      keys: this.options.keys,
      issuer: this.options.issuer,
      audience: this.options.audience,
      now: this.marks.effectiveNow(this.clock.now()),
      skewSeconds: this.options.skewSeconds ?? 300,
      fingerprint: this.options.fingerprint,
    });
  }

  private readLicenseFile(path: string): { token?: string; problem?: string } {
    try {
      const token = readFileSync(path, 'utf8').trim();
      return token ? { token } : { problem: 'empty' };
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'error';
      return code === 'ENOENT' ? {} : { problem: `unreadable (${code})` };
    }
  }
}

function iatOf(held: Held): number {
  return held.verification.valid ? held.verification.claims.iat : -1;
}
