/** Time source; tests inject a fixed or movable clock so grace windows run in milliseconds. */
export interface Clock {
  now(): Date;
}

export const CLOCK = Symbol('CLOCK');

export const systemClock: Clock = { now: () => new Date() };
