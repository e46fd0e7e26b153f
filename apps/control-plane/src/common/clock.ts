/** Time source; tests inject a fixed or movable clock so grace windows run in milliseconds. */
export interface Clock {
  now(): Date;
}

export const CLOCK = Symbol('CLOCK');

export const systemClock: Clock = { now: () => new Date() };

/**
 * This replica's own clock, compared with the database's before signing. It is the system clock in
 * production (as CLOCK is); tests simulate business time with CLOCK and a skewed replica with this one.
 */
export const MACHINE_CLOCK = Symbol('MACHINE_CLOCK');
