import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AppError } from '../common/app-error.js';
import { MACHINE_CLOCK, type Clock } from '../common/clock.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';

/** A signing replica re-reads the database's clock at most this often. */
const RECHECK_EVERY_MS = 60_000;

export interface ClockSkew {
  /** This replica's clock minus the database's, in milliseconds (positive: this replica runs ahead). */
  offsetMs: number;
  toleratedMs: number;
  withinTolerance: boolean;
}

/**
 * A replica whose clock runs ahead would sign licenses issued in the future, which every verifier then
 * refuses (ISSUED_IN_FUTURE), and its renewals would outrank correct ones. The database's clock is the
 * one all replicas share: this compares with it at boot, in readiness and before signing (at most once
 * a minute), and refuses to sign while the two differ by more than LICENSE_CLOCK_SKEW_SECONDS.
 */
@Injectable()
export class ClockSkewMonitor implements OnModuleInit {
  private readonly logger = new Logger(ClockSkewMonitor.name);
  private last: { skew: ClockSkew; at: number } | undefined;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(MACHINE_CLOCK) private readonly machineClock: Clock,
    private readonly dataSource: DataSource,
  ) {}

  async onModuleInit(): Promise<void> {
    const skew = await this.measure();
    if (!skew.withinTolerance) this.logger.error(this.describe(skew));
  }

  /** Reads the database's clock; the local reading is the midpoint of the round trip. */
  async measure(): Promise<ClockSkew> {
    const before = this.machineClock.now().getTime();
    const [row] = (await this.dataSource.query(`SELECT clock_timestamp() AS now`)) as { now: Date | string }[];
    const after = this.machineClock.now().getTime();
    const offsetMs = Math.round((before + after) / 2 - new Date(row!.now).getTime());
    const toleratedMs = this.config.LICENSE_CLOCK_SKEW_SECONDS * 1000;
    const skew = { offsetMs, toleratedMs, withinTolerance: Math.abs(offsetMs) <= toleratedMs };
    this.last = { skew, at: after };
    return skew;
  }

  /** Throws 503 CLOCK_SKEW while this replica's clock is off; another replica (or a retry after NTP) signs. */
  async assertCanSign(): Promise<void> {
    const last = this.last;
    const skew = last && this.machineClock.now().getTime() - last.at < RECHECK_EVERY_MS ? last.skew : await this.measure();
    if (!skew.withinTolerance) throw new AppError(503, 'CLOCK_SKEW', `${this.describe(skew)}; nothing is signed until it is corrected.`);
  }

  describe(skew: ClockSkew): string {
    const direction = skew.offsetMs > 0 ? 'ahead of' : 'behind';
    return `This replica's clock is ${Math.abs(skew.offsetMs)} ms ${direction} the database's (tolerated: ${skew.toleratedMs} ms, LICENSE_CLOCK_SKEW_SECONDS); fix its time synchronisation (NTP)`;
  }
}
