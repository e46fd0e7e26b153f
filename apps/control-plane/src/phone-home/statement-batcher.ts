/**
 * Runs many callers' statements as one (group commit): each caller submits an item and gets its own
 * result, while the batcher sends whatever has queued up as a single statement. It never waits for a
 * batch to fill: with a free slot an item goes out at once, alone, so a quiet service answers as fast
 * as before; only while `maxInFlight` statements are running do items queue, and the queue goes out
 * together when a slot frees. Under load, batches therefore grow to what the database can take.
 * Items with the same `key` never share a batch (the second waits for the next one), for statements
 * whose rows must not meet each other, such as two renewals of one lineage head.
 */
export interface StatementBatcherOptions<Item, Result> {
  /** Runs one batch; returns one result per item, in the items' order. */
  run: (items: Item[]) => Promise<Result[]>;
  /** Statements running at once. */
  maxInFlight: number;
  /** Items in one statement. */
  maxBatch: number;
  key?: (item: Item) => string;
}

interface Pending<Item, Result> {
  item: Item;
  resolve: (result: Result) => void;
  reject: (error: unknown) => void;
}

export class StatementBatcher<Item, Result> {
  private queue: Pending<Item, Result>[] = [];
  private inFlight = 0;

  constructor(private readonly options: StatementBatcherOptions<Item, Result>) {}

  submit(item: Item): Promise<Result> {
    return new Promise<Result>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.dispatch();
    });
  }

  private dispatch(): void {
    while (this.inFlight < this.options.maxInFlight && this.queue.length > 0) {
      const batch = this.takeBatch();
      this.inFlight++;
      void this.runBatch(batch).finally(() => {
        this.inFlight--;
        this.dispatch();
      });
    }
  }

  /**
   * A failed batch is tried again item by item, so one item the statement cannot take fails only its own
   * caller. The retries run one after another in the failed batch's slot: during a database outage a group
   * of 64 must not turn into 64 statements at once.
   */
  private async runBatch(batch: Pending<Item, Result>[]): Promise<void> {
    try {
      const results = await this.options.run(batch.map((pending) => pending.item));
      if (results.length !== batch.length) throw new Error(`A batch of ${batch.length} statements returned ${results.length} results.`);
      batch.forEach((pending, index) => pending.resolve(results[index]));
    } catch (error) {
      if (batch.length === 1) return batch[0].reject(error);
      for (const pending of batch) await this.runBatch([pending]);
    }
  }

  /** The oldest items, up to maxBatch, at most one per key; the rest keep their place in the queue. */
  private takeBatch(): Pending<Item, Result>[] {
    const { key, maxBatch } = this.options;
    if (!key) return this.queue.splice(0, maxBatch);
    const batch: Pending<Item, Result>[] = [];
    const keys = new Set<string>();
    const left: Pending<Item, Result>[] = [];
    for (const pending of this.queue) {
      const itemKey = key(pending.item);
      if (batch.length < maxBatch && !keys.has(itemKey)) {
        keys.add(itemKey);
        batch.push(pending);
      } else {
        left.push(pending);
      }
    }
    this.queue = left;
    return batch;
  }
}
