import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** Where each scenario leaves its figures; fault-summary.js gathers them into test-results/faults.json. */
const PARTS = resolve(import.meta.dirname, '../../../test-results/faults');

/** One scenario's figures: what it lost, what it sent twice, how many 5xx it answered, and anything else it measured. */
export interface FaultFigures {
  scenario: string;
  lost: number;
  duplicated: number;
  server_errors: number;
  duration_ms: number;
  [detail: string]: unknown;
}

export function recordFault(figures: FaultFigures): void {
  mkdirSync(PARTS, { recursive: true });
  writeFileSync(join(PARTS, `${figures.scenario.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}.json`), `${JSON.stringify(figures, null, 2)}\n`);
}
