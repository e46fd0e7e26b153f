import type { Clock } from '../../apps/control-plane/src/common/clock.js';

/** A clock the test moves by hand, so days of grace pass in a line of code. */
export class MovableClock implements Clock {
  private current: number;

  constructor(start: Date | string = '2026-11-24T12:00:00Z') {
    this.current = new Date(start).getTime();
  }

  now(): Date {
    return new Date(this.current);
  }

  advance(ms: number): void {
    this.current += ms;
  }

  advanceDays(days: number): void {
    this.advance(days * 86_400_000);
  }

  set(at: Date | string): void {
    this.current = new Date(at).getTime();
  }
}
