import { z } from 'zod';
import { findHostileText } from './hostile-text.js';

/**
 * Keyset (cursor) pagination: a page ends with `next_cursor`, the sort key of its last row, and the
 * next page starts strictly after it. Unlike an offset, the database seeks straight to the key through
 * the list's index, so page 10,000 costs what page 1 does, and rows inserted meanwhile shift nothing.
 * The cursor is opaque to callers (base64url of the key's parts).
 */
export function encodeCursor(parts: string[]): string {
  return Buffer.from(JSON.stringify(parts)).toString('base64url');
}

/** The cursor of the next page, or null when this page is the last (fewer rows than asked for). */
export function nextCursor<T>(rows: T[], limit: number, keyOf: (row: T) => string[]): string | null {
  return rows.length < limit || rows.length === 0 ? null : encodeCursor(keyOf(rows[rows.length - 1]));
}

const NOT_A_CURSOR = 'is not a next_cursor from a previous page of this list';

/**
 * The cursor's key parts, or undefined. The hostile-text middleware sees only the base64, so a forged
 * cursor carrying a NUL (a 500 from Postgres) or a lone surrogate is refused here: no page ends on one.
 */
function decoded(text: string): unknown {
  try {
    const parts: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    return findHostileText(parts) ? undefined : parts;
  } catch {
    return undefined;
  }
}

/** A cursor for lists ordered by a timestamp and then a uuid, newest first. */
export const timeCursorSchema = z
  .string()
  .max(256)
  .transform((text, context) => {
    const key = decodeTimeCursor(text);
    if (!key) context.addIssue({ code: 'custom', message: NOT_A_CURSOR });
    return key ?? z.NEVER;
  });

export interface TimeCursor {
  at: Date;
  id: string;
}

/** The key of a timestamp-and-uuid cursor, or undefined when `text` is not one this API could have issued. */
export function decodeTimeCursor(text: string): TimeCursor | undefined {
  const parsed = z.tuple([z.iso.datetime(), z.guid()]).safeParse(decoded(text));
  return parsed.success ? { at: new Date(parsed.data[0]), id: parsed.data[1] } : undefined;
}

export const timeCursorOf = (at: Date, id: string): string[] => [at.toISOString(), id];

/** A cursor for lists ordered by a text id. */
export const idCursorSchema = z
  .string()
  .max(512)
  .transform((text, context) => {
    const parsed = z.tuple([z.string().min(1).max(128)]).safeParse(decoded(text));
    if (!parsed.success) {
      context.addIssue({ code: 'custom', message: NOT_A_CURSOR });
      return z.NEVER;
    }
    return parsed.data[0];
  });
