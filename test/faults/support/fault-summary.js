// Jest's global setup and teardown of the fault suite (plain ESM: jest loads these outside its transform).
// Each scenario writes its figures to test-results/faults/<scenario>.json (fault-report.ts); the teardown
// gathers them into test-results/faults.json and prints the table.
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const RESULTS = resolve(import.meta.dirname, '../../../test-results');
const PARTS = join(RESULTS, 'faults');

/** A scenario that did not run this time must not show the last run's figures. */
export function clearFaults() {
  rmSync(PARTS, { recursive: true, force: true });
}

export function summarizeFaults() {
  let files = [];
  try {
    files = readdirSync(PARTS).filter((file) => file.endsWith('.json'));
  } catch {
    return 'fault suite: no scenario recorded figures';
  }
  const scenarios = files.map((file) => JSON.parse(readFileSync(join(PARTS, file), 'utf8'))).sort((a, b) => a.scenario.localeCompare(b.scenario));
  const summary = { finished_at: new Date().toISOString(), node: process.version, scenarios };
  writeFileSync(join(RESULTS, 'faults.json'), `${JSON.stringify(summary, null, 2)}\n`);
  clearFaults();
  const rows = [
    ['scenario', 'lost', 'duplicated', '5xx'],
    ...scenarios.map((s) => [s.scenario, String(s.lost), String(s.duplicated), String(s.server_errors)]),
  ];
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  const line = (row) => row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]) : cell.padStart(widths[column]))).join(' | ');
  return [line(rows[0]), widths.map((width) => '-'.repeat(width)).join('-|-'), ...rows.slice(1).map(line), '(test-results/faults.json)'].join('\n');
}
