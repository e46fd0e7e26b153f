import type { IncomingMessage, ServerResponse } from 'node:http';
import type { NextFunction } from 'express';
import { AppError } from './app-error.js';

/** Deeper than any request this API defines; bounds the work a crafted body can cause. */
export const MAX_INPUT_DEPTH = 32;

export interface HostileText {
  /** Where the bad value sits: `name`, `usage.period_start`, `[2]`, or the key itself. */
  field: string;
  problem: 'nul' | 'lone_surrogate' | 'too_deep';
}

/**
 * The first string (value or key) that no column can store, or a nesting deeper than MAX_INPUT_DEPTH.
 * Postgres rejects U+0000 in text and jsonb (a 500), and an unpaired UTF-16 surrogate is silently
 * turned into U+FFFD on the way to the database; neither is ever meaningful input, so both are refused
 * everywhere at once instead of field by field. Iterative, so a deeply nested body cannot overflow the stack.
 */
export function findHostileText(value: unknown): HostileText | undefined {
  const pending: { value: unknown; path: string; depth: number }[] = [{ value, path: '', depth: 0 }];
  while (pending.length > 0) {
    const item = pending.pop()!;
    if (typeof item.value === 'string') {
      const problem = textProblem(item.value);
      if (problem) return { field: item.path || '(root)', problem };
      continue;
    }
    if (typeof item.value !== 'object' || item.value === null) continue;
    if (item.depth >= MAX_INPUT_DEPTH) return { field: item.path || '(root)', problem: 'too_deep' };
    for (const [key, child] of Object.entries(item.value)) {
      const path = Array.isArray(item.value) ? `${item.path}[${key}]` : item.path ? `${item.path}.${key}` : key;
      const keyProblem = textProblem(key);
      if (keyProblem) return { field: path, problem: keyProblem };
      pending.push({ value: child, path, depth: item.depth + 1 });
    }
  }
  return undefined;
}

/** A high surrogate not followed by a low one, or a low one not preceded by a high one (code units, no `u` flag). */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function textProblem(text: string): HostileText['problem'] | undefined {
  if (text.includes('\u0000')) return 'nul';
  if (LONE_SURROGATE.test(text)) return 'lone_surrogate';
  return undefined;
}

const PROBLEMS: Record<HostileText['problem'], string> = {
  nul: 'contains a NUL character (U+0000)',
  lone_surrogate: 'contains an unpaired UTF-16 surrogate',
  too_deep: `nests deeper than ${MAX_INPUT_DEPTH} levels`,
};

/** The 400 for a hostile value found in `where` (body, query, path or the CLI's options). */
export function hostileTextError(where: string, found: HostileText): AppError {
  return new AppError(
    400,
    found.problem === 'too_deep' ? 'INPUT_TOO_DEEP' : 'INVALID_CHARACTERS',
    `The ${where} ${PROBLEMS[found.problem]} at ${found.field}.`,
    [{ field: found.field, message: PROBLEMS[found.problem] }],
  );
}

/** Throws hostileTextError when `value` holds text no field accepts. */
export function assertNoHostileText(value: unknown, where: string): void {
  const found = findHostileText(value);
  if (found) throw hostileTextError(where, found);
}

/**
 * Global, after the body parsers: refuses a request whose path, query or JSON body holds a NUL, a lone
 * surrogate or absurd nesting, before any route, guard or database sees it. Errors go to Nest's filter
 * through `next`, so the answer has the one error shape.
 */
export function hostileTextMiddleware(
  request: IncomingMessage & { path?: string; query?: unknown; body?: unknown },
  _response: ServerResponse,
  next: NextFunction,
): void {
  try {
    let path: string;
    try {
      path = decodeURIComponent(request.path ?? '');
    } catch {
      throw new AppError(400, 'MALFORMED_PATH', 'The request path holds a malformed percent-encoding.', [
        { field: '(path)', message: 'malformed percent-encoding' },
      ]);
    }
    const inPath = findHostileText(path);
    if (inPath) throw hostileTextError('path', { ...inPath, field: '(path)' });
    assertNoHostileText(request.query, 'query string');
    assertNoHostileText(request.body, 'request body');
    next();
  } catch (error) {
    next(error);
  }
}
