import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { DAY_MS } from '@atlasai/license-core';
import { CLOCK, type Clock } from '../common/clock.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { SUCCESSFUL_RESULTS } from './phone-home.entity.js';

/** Any fixed 64-bit number shared by every replica; it names the phone-home prune's lock. */
const PRUNE_LOCK_ID = 4_242_007;
/** Rows deleted per statement (and per transaction): short locks, a bounded WAL burst. */
export const PHONE_HOME_PRUNE_BATCH = 10_000;

const SUCCESSFUL = SUCCESSFUL_RESULTS.map((result) => `'${result}'`).join(', ');

/**
 * One batch: calls older than the cutoff (phone_homes_called_at_idx, oldest first) that a newer call of
 * the same installation (lineage) makes redundant: a refused call once any newer call exists, a
 * successful one once a newer successful call exists. So the last call and the last successful call of
 * every installation stay, whatever their age: the portal's installations, the phone-home history's
 * last success and silence detection answer as before. The newer call is found through
 * phone_homes_tenant_idx (tenant_id, called_at DESC).
 */
export const PHONE_HOME_PRUNE_SQL = `
  DELETE FROM phone_homes WHERE id IN (
    SELECT p.id FROM phone_homes p
    WHERE p.called_at < $1
      AND EXISTS (
        SELECT 1 FROM phone_homes n
        WHERE n.tenant_id = p.tenant_id AND n.called_at > p.called_at AND n.lineage_id = p.lineage_id
          AND (n.result IN (${SUCCESSFUL}) OR p.result NOT IN (${SUCCESSFUL})))
    ORDER BY p.called_at
    LIMIT $2)`;

export interface PruneResult {
  /** False when another replica held the prune, or PHONE_HOME_RETENTION_DAYS is 0. */
  ran: boolean;
  deleted: number;
}

/** Deletes phone-home records older than PHONE_HOME_RETENTION_DAYS, in batches, on one replica at a time. */
@Injectable()
export class PhoneHomeRetention {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly dataSource: DataSource,
  ) {}

  /** The oldest call kept unconditionally; null when records are kept forever. */
  cutoff(): Date | null {
    const days = this.config.PHONE_HOME_RETENTION_DAYS;
    return days === 0 ? null : new Date(this.clock.now().getTime() - days * DAY_MS);
  }

  async prune(): Promise<PruneResult> {
    const result: PruneResult = { ran: false, deleted: 0 };
    const cutoff = this.cutoff();
    if (!cutoff) return result;
    for (;;) {
      const deleted = await this.dataSource.transaction(async (manager) => {
        const [{ locked }] = (await manager.query('SELECT pg_try_advisory_xact_lock($1) AS locked', [PRUNE_LOCK_ID])) as [{ locked: boolean }];
        if (!locked) return null;
        const [, count] = (await manager.query(PHONE_HOME_PRUNE_SQL, [cutoff, PHONE_HOME_PRUNE_BATCH])) as [unknown, number];
        return count;
      });
      if (deleted === null) return result;
      result.ran = true;
      result.deleted += deleted;
      if (deleted < PHONE_HOME_PRUNE_BATCH) return result;
    }
  }
}
