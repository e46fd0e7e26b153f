import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { keyChainSchema, type KeyChainLink } from '@atlasai/license-core';
import { writeFileAtomic } from './atomic-file.js';
import type { SdkLogger } from './sdk-logger.js';

const isoDate = z.iso.datetime({ offset: true });

const stateSchema = z.object({
  version: z.literal(1),
  observed_at: isoDate,
  newest_iat: z.number().int().nonnegative().nullable(),
  tenant_id: z.string().min(1).nullable(),
  last_phone_home: isoDate.nullable(),
  /** Keys learned from the CP's key chain; re-proved from the configured keys at every start, so editing this file adds no trust. */
  key_chain: keyChainSchema.optional(),
});
export type HighWaterMarkState = z.infer<typeof stateSchema>;

export interface HighWaterMarkOptions {
  /** Where the mark survives restarts; without it the mark lives in memory only. */
  path?: string;
  logger: SdkLogger;
  /** The mark moves forward on every evaluation but is written at most this often (default one minute). */
  persistEveryMs?: number;
}

/**
 * The latest time this tenant plane has observed, the newest `iat` it accepted and the tenant it
 * belongs to. Phases are computed from the later of the wall clock and this mark, so setting the
 * system clock back does not revive an expired license, and a stolen older token cannot replace a newer one.
 */
export class HighWaterMarkStore {
  private state: HighWaterMarkState;
  private persistedObservedAt: number;
  private writeFailed = false;

  constructor(private readonly options: HighWaterMarkOptions) {
    this.state = this.read() ?? { version: 1, observed_at: new Date(0).toISOString(), newest_iat: null, tenant_id: null, last_phone_home: null };
    this.persistedObservedAt = Date.parse(this.state.observed_at);
  }

  get snapshot(): Readonly<HighWaterMarkState> {
    return this.state;
  }

  /** The later of `wall` and every time seen before (including the newest `iat`); moves the mark forward. */
  effectiveNow(wall: Date): Date {
    const floor = Math.max(Date.parse(this.state.observed_at), (this.state.newest_iat ?? 0) * 1000);
    const at = Math.max(wall.getTime(), floor);
    if (at > Date.parse(this.state.observed_at)) {
      this.state = { ...this.state, observed_at: new Date(at).toISOString() };
      if (at - this.persistedObservedAt >= (this.options.persistEveryMs ?? 60_000)) this.persist();
    }
    return new Date(at);
  }

  recordLicense(tenantId: string, iat: number): void {
    // Another tenant's license (a reinstall) starts a new lineage: its iat is not compared with the old one's.
    const newest = this.state.tenant_id === tenantId ? Math.max(iat, this.state.newest_iat ?? 0) : iat;
    this.state = { ...this.state, tenant_id: tenantId, newest_iat: newest };
    this.persist();
  }

  recordKeyChain(links: readonly KeyChainLink[]): void {
    const known = new Set((this.state.key_chain ?? []).map((link) => link.kid));
    const added = links.filter((link) => !known.has(link.kid));
    if (added.length === 0) return;
    this.state = { ...this.state, key_chain: [...(this.state.key_chain ?? []), ...added] };
    this.persist();
  }

  recordPhoneHome(at: Date): void {
    this.state = { ...this.state, last_phone_home: at.toISOString() };
    this.persist();
  }

  private read(): HighWaterMarkState | undefined {
    if (!this.options.path) return undefined;
    let text: string;
    try {
      text = readFileSync(this.options.path, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT') this.options.logger.warn(`[license] Cannot read the state file ${this.options.path} (${code}); starting a new high-water mark`);
      return undefined;
    }
    try {
      return stateSchema.parse(JSON.parse(text));
    } catch {
      this.options.logger.warn(`[license] The state file ${this.options.path} is damaged; starting a new high-water mark`);
      return undefined;
    }
  }

  private persist(): void {
    if (!this.options.path) return;
    try {
      writeFileAtomic(this.options.path, `${JSON.stringify(this.state)}\n`);
      this.persistedObservedAt = Date.parse(this.state.observed_at);
      this.writeFailed = false;
    } catch (error) {
      // Losing the mark weakens rollback detection but must never take the tenant plane down; warn once per failure streak.
      if (!this.writeFailed)
        this.options.logger.warn(`[license] Cannot write the state file ${this.options.path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
      this.writeFailed = true;
    }
  }
}
