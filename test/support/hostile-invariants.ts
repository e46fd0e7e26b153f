import { writeFileSync } from 'node:fs';
import type pg from 'pg';
import type { WireResponse } from './hostile-input.js';

/**
 * What must hold for any request, however hostile: the checks of the hostile-input suite
 * (test/hostile-input.e2e-spec.ts), kept apart from its generators.
 */

const ERROR_KEYS = ['code', 'details', 'message', 'request_id'];

/** A stack frame as V8 prints it; no body may carry one. */
const STACK_FRAME = /\n\s{4}at |^\s*at .+:\d+:\d+\)?$/m;

/** What Postgres or TypeORM puts in an error message, and SQL statements themselves. */
const SQL_TEXT =
  /QueryFailedError|syntax error at or near|violates (?:not-null|foreign key|unique|check) constraint|duplicate key value|invalid input syntax for type|relation "\w+"|\bSELECT\b[\s\S]{0,200}\bFROM\b|\bINSERT INTO\b|\bUPDATE\s+"?\w+"?\s+SET\b|\bDELETE FROM\b/;

export const isRefusal = (response: WireResponse) => response.status >= 400 && response.status < 500;

/** Every invariant `response` breaks; empty when it is fine. */
export function responseViolations(response: WireResponse, privateKeyPem: string): string[] {
  const problems: string[] = [];
  if (response.status >= 500) problems.push(`status ${response.status}`);
  if (isRefusal(response)) problems.push(...errorShapeViolations(response));
  if (STACK_FRAME.test(response.text)) problems.push('a stack trace in the body');
  if (SQL_TEXT.test(response.text)) problems.push(`SQL in the body (${SQL_TEXT.exec(response.text)![0].slice(0, 80)})`);
  if (leaksPrivateKey(response.text, privateKeyPem)) problems.push('the private key in the body');
  return problems;
}

/** `{error: {code, message, details, request_id}}` and nothing else, as JSON. */
function errorShapeViolations(response: WireResponse): string[] {
  if (!String(response.headers['content-type']).startsWith('application/json'))
    return [`a ${response.status} that is not JSON (${response.headers['content-type']})`];
  let body: unknown;
  try {
    body = JSON.parse(response.text);
  } catch {
    return [`a ${response.status} whose JSON does not parse`];
  }
  const error = (body as { error?: Record<string, unknown> } | null)?.error;
  if (!error || Object.keys(body as object).length !== 1) return ['a 4xx body other than {error}'];
  const problems: string[] = [];
  if (JSON.stringify(Object.keys(error).sort()) !== JSON.stringify(ERROR_KEYS)) problems.push(`error keys ${Object.keys(error).sort().join(',')}`);
  if (typeof error.code !== 'string' || !/^[A-Z][A-Z0-9_]*$/.test(error.code)) problems.push(`error code ${JSON.stringify(error.code)}`);
  if (typeof error.message !== 'string' || error.message.length === 0) problems.push('no error message');
  if (typeof error.request_id !== 'string') problems.push('no request id');
  return problems;
}

/** The PEM armour, or any line of the key's base64 (a key could be echoed without its armour). */
function leaksPrivateKey(text: string, privateKeyPem: string): boolean {
  if (/PRIVATE KEY-----/.test(text)) return true;
  const lines = privateKeyPem.split('\n').filter((line) => line.length >= 60 && !line.startsWith('-----'));
  return lines.some((line) => text.includes(line));
}

export interface TableState {
  rows: number;
  md5: string | null;
}

/**
 * Columns that authentication itself stamps (last use of a token or session) before a request is refused.
 * No table is left out: refusals write no audit rows, and rate-limit counts live in memory or Redis.
 */
const STAMP_COLUMNS = ['last_used_at', 'last_used_address', 'last_seen_at'];

/**
 * Row counts and md5s of every table in the public schema (stamp columns left out), compared call
 * after call: each answer to `changes()` covers exactly the requests since the previous one.
 */
export class RowWatch {
  private constructor(
    private readonly client: pg.Client,
    private readonly sql: string,
    private readonly parameters: unknown[],
    private last: Map<string, TableState>,
  ) {}

  static async start(client: pg.Client): Promise<RowWatch> {
    const tables = (
      await client.query<{ name: string }>(
        `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`,
      )
    ).rows.map((row) => row.name);
    const sql = tables
      .map(
        (table, index) =>
          `SELECT $${index + 2}::text AS name, count(*)::int AS rows, md5(string_agg(r::text, ',' ORDER BY r::text)) AS md5
           FROM (SELECT to_jsonb(t) - $1::text[] AS r FROM "${table}" t) s`,
      )
      .join(' UNION ALL ');
    const parameters = [STAMP_COLUMNS, ...tables];
    return new RowWatch(client, sql, parameters, await read(client, sql, parameters));
  }

  /** The tables whose rows changed since the previous call, except those in `allowed`. */
  async changes(allowed: readonly string[] = []): Promise<string[]> {
    const now = await read(this.client, this.sql, this.parameters);
    const before = this.last;
    this.last = now;
    return [...now.keys()]
      .filter((table) => !allowed.includes(table))
      .filter((table) => JSON.stringify(before.get(table)) !== JSON.stringify(now.get(table)))
      .map((table) => `${table} changed (${JSON.stringify(before.get(table))} -> ${JSON.stringify(now.get(table))})`);
  }

  /**
   * Waits until the rows stop changing (two equal reads 100 ms apart) and takes that as the baseline:
   * a 202 means the work goes on after the answer, and it must not be blamed on the next request.
   */
  async settle(): Promise<void> {
    let now = await read(this.client, this.sql, this.parameters);
    for (let attempt = 0; attempt < 20; attempt += 1) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      const next = await read(this.client, this.sql, this.parameters);
      const stable = JSON.stringify([...next]) === JSON.stringify([...now]);
      now = next;
      if (stable) break;
    }
    this.last = now;
  }
}

async function read(client: pg.Client, sql: string, parameters: unknown[]): Promise<Map<string, TableState>> {
  const result = await client.query<{ name: string } & TableState>(sql, parameters);
  return new Map(result.rows.map((row) => [row.name, { rows: row.rows, md5: row.md5 }]));
}

/** How often each request kind got each status and error code. */
export class AnswerTally {
  private readonly counts = new Map<string, number>();

  count(what: string, response: WireResponse): void {
    const key = `${what} -> ${response.status} ${errorCodeOf(response.text)}`;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }

  write(path: string): void {
    const lines = [...this.counts].map(([key, count]) => `${count}\t${key}`);
    writeFileSync(path, `${lines.sort().join('\n')}\n`);
  }
}

function errorCodeOf(text: string): string {
  try {
    return String((JSON.parse(text) as { error?: { code?: unknown } } | null)?.error?.code ?? '');
  } catch {
    return '(not JSON)';
  }
}
