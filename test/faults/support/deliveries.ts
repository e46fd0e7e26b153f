import type { SmtpSink } from '../../support/smtp-sink.js';
import { eventually } from '../../support/smtp-sink.js';

type Query = (sql: string, params?: unknown[]) => Promise<unknown[]>;

/** Lost: an outbox row that never reached the SMTP server. Duplicated: one more arrival of a row already received. */
export interface DeliveryFigures {
  rows: number;
  sent: number;
  lost: number;
  duplicated: number;
  /** Notification ids that arrived more than once. */
  duplicatedIds: string[];
}

/** How often each notification arrived, by the Message-ID the app gives it (`<id.resends@domain>`). */
export function arrivals(smtp: SmtpSink): Map<string, number> {
  const counts = new Map<string, number>();
  for (const mail of smtp.messages) {
    const id = /^<([0-9a-f-]{36})\./.exec(mail.parsed.messageId ?? '')?.[1];
    if (id) counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return counts;
}

export async function deliveryFigures(query: Query, smtp: SmtpSink): Promise<DeliveryFigures> {
  const rows = (await query(`SELECT id, status FROM notifications`)) as { id: string; status: string }[];
  const received = arrivals(smtp);
  const duplicatedIds = [...received].filter(([, count]) => count > 1).map(([id]) => id);
  return {
    rows: rows.length,
    sent: rows.filter((row) => row.status === 'sent').length,
    lost: rows.filter((row) => row.status !== 'sent' || !received.has(row.id)).length,
    duplicated: [...received.values()].reduce((sum, count) => sum + count - 1, 0),
    duplicatedIds,
  };
}

/** Waits until every outbox row is sent and has arrived (or the timeout passes), then counts. */
export async function settledDeliveries(query: Query, smtp: SmtpSink, timeoutMs: number): Promise<DeliveryFigures> {
  await eventually(
    async () => {
      const figures = await deliveryFigures(query, smtp);
      return figures.rows > 0 && figures.lost === 0 ? figures : undefined;
    },
    timeoutMs,
    'every outbox row to be delivered',
  ).catch(() => undefined);
  // Late duplicates (a replayed job) would arrive just after: give them a moment to show.
  await new Promise((resolve) => setTimeout(resolve, 500));
  return deliveryFigures(query, smtp);
}
