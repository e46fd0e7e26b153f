import { InvalidArgumentError } from 'commander';
import type { z } from 'zod';

// Only commander and node built-ins here: `licensectl --help` loads this file, never Nest, TypeORM or zod.

export function print(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** A bad argument found after parsing (against a schema the command loads lazily): exit code 2, one line. */
export class CliUsageError extends Error {
  constructor(argument: string, problem: string) {
    super(`${argument}: ${problem}`);
  }
}

export function integer(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('must be a whole number');
  return Number(value);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function uuid(value: string): string {
  if (!UUID.test(value)) throw new InvalidArgumentError('must be an id as printed by the list commands (a UUID such as 0b6f1f9e-8d2c-4f5e-9a51-2c3d4e5f6a7b)');
  return value.toLowerCase();
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

export function isoDate(value: string): string {
  if (!ISO_DATE.test(value) || Number.isNaN(Date.parse(value)))
    throw new InvalidArgumentError('must be an ISO date such as 2027-01-31 or 2027-01-31T12:00:00Z');
  return value;
}

export function list(value: string): string[] {
  return value
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
}

/** Why a value failed, in the CLI's words: a schema's own message when it has one, not zod's defaults. */
function problemOf(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_value') return `must be one of ${issue.values.map(String).join(', ')}`;
  if (issue.code === 'invalid_type') return `must be ${issue.expected === 'array' ? 'a comma-separated list' : `a valid ${issue.expected}`}`;
  if (issue.code === 'too_small' || issue.code === 'too_big') {
    // The schema's own wording when it has one ("must be at least 1 day"), zod's default starts "Too".
    if (!issue.message.startsWith('Too ')) return issue.message;
    const bound = issue.code === 'too_small' ? `at least ${issue.minimum}` : `at most ${issue.maximum}`;
    return issue.origin === 'string' ? `must be ${bound} characters` : issue.origin === 'array' ? `must list ${bound} items` : `must be ${bound}`;
  }
  if (issue.code === 'invalid_format' || issue.code === 'custom') return issue.message;
  return 'is not valid';
}

/**
 * Validates command input with the API's own schema; the first bad field is reported as the option or
 * argument the user typed (`options` maps schema fields to them).
 */
export function validated<Schema extends z.ZodType>(schema: Schema, input: Record<string, unknown>, options: Record<string, string>): z.infer<Schema> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const field = String(issue.path[0] ?? '');
  throw new CliUsageError(options[field] ?? field, problemOf(issue));
}
