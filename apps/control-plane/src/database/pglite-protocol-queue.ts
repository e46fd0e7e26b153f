import type { PGlite } from '@electric-sql/pglite';
import type { PGLiteSocketServer } from '@electric-sql/pglite-socket';

/** One protocol message waiting for PGlite, as @electric-sql/pglite-socket 0.2.17 queues it. */
interface QueuedMessage {
  handlerId: number;
  message: Uint8Array;
  onData(data: Uint8Array): void;
  resolve(bytes: number): void;
  reject(error: unknown): void;
}

/** The socket server's private query queue (pinned version; checked at start). */
interface QueryQueue {
  db: PGlite;
  queue: QueuedMessage[];
  processing: boolean;
  lastHandlerId: number | null;
  processQueue(): Promise<void>;
  clearTransactionIfNeeded(handlerId: number): Promise<void>;
}

/** Extended-query messages after which the session holds a half-built statement until the client's Sync. */
const EXTENDED_QUERY_MESSAGES = new Set(['P', 'B', 'D', 'E', 'C', 'H'].map((type) => type.charCodeAt(0)));
const SYNC = 'S'.charCodeAt(0);
const SIMPLE_QUERY = 'Q'.charCodeAt(0);
const TERMINATE = 'X'.charCodeAt(0);

/**
 * PGlite is one Postgres session shared by every socket client, and pglite-socket interleaves clients
 * message by message. `pg` sends each parameterised query as Parse, Bind, Describe, Execute, Sync: two
 * clients interleaved there overwrite each other's unnamed statement ("unnamed prepared statement does
 * not exist"). This queue keeps a client exclusive from its first extended-query message to its Sync (and,
 * as before, for a whole transaction), and a message that makes PGlite throw fails that client alone
 * instead of stopping the queue for everyone.
 */
export function serializeProtocolSequences(server: PGLiteSocketServer): void {
  const queue = (server as unknown as { queryQueue?: QueryQueue }).queryQueue;
  if (!queue || !Array.isArray(queue.queue) || typeof queue.processQueue !== 'function' || typeof queue.clearTransactionIfNeeded !== 'function') {
    throw new Error('@electric-sql/pglite-socket changed its query queue; check serializeProtocolSequences against the installed version');
  }
  let midSequence: number | null = null;

  const owner = (): number | null => midSequence ?? (queue.db.isInTransaction() ? queue.lastHandlerId : null);

  const follow = (item: QueuedMessage): void => {
    const type = item.message[0];
    if (EXTENDED_QUERY_MESSAGES.has(type)) midSequence = item.handlerId;
    else if ((type === SYNC || type === SIMPLE_QUERY || type === TERMINATE) && midSequence === item.handlerId) midSequence = null;
  };

  const run = async (item: QueuedMessage): Promise<void> => {
    let bytes = 0;
    try {
      await queue.db.runExclusive(() =>
        queue.db.execProtocolRawStream(item.message, {
          onRawData: (data: Uint8Array) => {
            bytes += data.length;
            item.onData(data);
          },
        }),
      );
    } catch (error) {
      item.reject(error);
      return;
    }
    queue.lastHandlerId = item.handlerId;
    follow(item);
    item.resolve(bytes);
  };

  queue.processQueue = async () => {
    if (queue.processing) return;
    queue.processing = true;
    try {
      for (;;) {
        const exclusive = owner();
        const index = exclusive === null ? (queue.queue.length > 0 ? 0 : -1) : queue.queue.findIndex((item) => item.handlerId === exclusive);
        // The exclusive client's next message has not arrived yet: the others wait for it.
        if (index === -1) return;
        const [item] = queue.queue.splice(index, 1);
        await run(item);
      }
    } finally {
      queue.processing = false;
    }
  };

  const clearTransaction = queue.clearTransactionIfNeeded.bind(queue);
  queue.clearTransactionIfNeeded = async (handlerId: number) => {
    // A client gone mid-sequence must not hold the others back.
    if (midSequence === handlerId) midSequence = null;
    await clearTransaction(handlerId);
    await queue.processQueue();
  };
}
