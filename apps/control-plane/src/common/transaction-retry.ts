import type { DataSource, EntityManager } from 'typeorm';

/** Postgres aborts one side of a deadlock (40P01) or a serialization conflict (40001); running it again is the fix. */
const RETRYABLE = new Set(['40P01', '40001']);

export function isRetryableConflict(error: unknown): boolean {
  const code = (error as { code?: unknown; driverError?: { code?: unknown } } | null)?.driverError?.code ?? (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && RETRYABLE.has(code);
}

/**
 * Runs `work` in a transaction, and again (up to `attempts` times in all) when Postgres chose it as the
 * victim of a deadlock or a serialization conflict. The aborted attempt rolled back whole, so the work
 * must only depend on what it reads inside the transaction.
 */
export async function transactionWithRetry<T>(dataSource: DataSource, work: (manager: EntityManager) => Promise<T>, attempts = 4): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await dataSource.transaction(work);
    } catch (error) {
      if (attempt >= attempts || !isRetryableConflict(error)) throw error;
      // A short, jittered pause so the two sides do not collide again in lockstep.
      await new Promise((resolve) => setTimeout(resolve, 10 + Math.random() * 40 * attempt));
    }
  }
}
