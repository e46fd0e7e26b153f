import { z } from 'zod';

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

function decoded(text: string): unknown {
  try {
    return JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
}

/** A cursor for lists ordered by a timestamp and then a uuid, newest first. */
export const timeCursorSchema = z
  .string()
  .max(256)
  .transform((text, context) => {
    const parsed = z.tuple([z.iso.datetime(), z.guid()]).safeParse(decoded(text));
    if (!parsed.success) {
      context.addIssue({ code: 'custom', message: NOT_A_CURSOR });
      return z.NEVER;
    }
    return { at: new Date(parsed.data[0]), id: parsed.data[1] };
  });
export type TimeCursor = z.output<typeof timeCursorSchema>;

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
