import { DAY_MS } from '@atlasai/license-core';

export interface ActiveUseReport {
  active_uses: number;
  period_start: string;
  period_end: string;
}

export type ActiveUseResult = { allow: true; count: number } | { allow: false; code: 'ACTIVE_USE_LIMIT_REACHED'; message: string; count: number };

/**
 * Seed 004's "active use": a unique machine/user pair seen in the last 24 hours (rolling). When the
 * license caps active uses, a new pair is refused once the cap is reached; pairs already counted keep
 * working until they have been idle for 24 hours. Counts live in memory: a restart starts a new window.
 */
export class ActiveUseCounter {
  private readonly lastSeen = new Map<string, number>();

  constructor(private readonly windowMs = DAY_MS) {}

  /** Records one use at `now`; `limit` undefined means uncapped. */
  record(machine: string, user: string, now: Date, limit?: number): ActiveUseResult {
    const at = now.getTime();
    this.prune(at);
    const key = JSON.stringify([machine, user]);
    if (!this.lastSeen.has(key) && limit !== undefined && this.lastSeen.size >= limit) {
      return {
        allow: false,
        code: 'ACTIVE_USE_LIMIT_REACHED',
        message: `The maximum number of active uses of the license (${limit}) has been reached; existing uses continue, new ones are refused until one has been idle for 24 hours.`,
        count: this.lastSeen.size,
      };
    }
    // Re-inserting keeps the map ordered by last use, so pruning stops at the first recent entry.
    this.lastSeen.delete(key);
    this.lastSeen.set(key, at);
    return { allow: true, count: this.lastSeen.size };
  }

  count(now: Date): number {
    this.prune(now.getTime());
    return this.lastSeen.size;
  }

  report(now: Date): ActiveUseReport {
    return { active_uses: this.count(now), period_start: new Date(now.getTime() - this.windowMs).toISOString(), period_end: now.toISOString() };
  }

  private prune(at: number): void {
    for (const [key, seen] of this.lastSeen) {
      if (seen > at - this.windowMs) break;
      this.lastSeen.delete(key);
    }
  }
}
