import { StatementBatcher } from './statement-batcher.js';

/** A statement runner whose batches finish only when the test says so. */
function controlledRunner() {
  const batches: { items: string[]; finish: () => void; fail: (error: Error) => void }[] = [];
  const run = (items: string[]) =>
    new Promise<string[]>((resolve, reject) => {
      batches.push({ items, finish: () => resolve(items.map((item) => `result of ${item}`)), fail: reject });
    });
  return { batches, run };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('StatementBatcher', () => {
  it('sends an item at once while a slot is free, and groups the items that arrive while every slot is busy', async () => {
    const runner = controlledRunner();
    const batcher = new StatementBatcher({ run: runner.run, maxInFlight: 2, maxBatch: 10 });
    const results = ['a', 'b', 'c', 'd', 'e'].map((item) => batcher.submit(item));
    expect(runner.batches.map((batch) => batch.items)).toEqual([['a'], ['b']]);
    runner.batches[0].finish();
    await settle();
    expect(runner.batches.map((batch) => batch.items)).toEqual([['a'], ['b'], ['c', 'd', 'e']]);
    runner.batches[1].finish();
    runner.batches[2].finish();
    await expect(Promise.all(results)).resolves.toEqual(['a', 'b', 'c', 'd', 'e'].map((item) => `result of ${item}`));
  });

  it('sends at most maxBatch items in one statement, oldest first', async () => {
    const runner = controlledRunner();
    const batcher = new StatementBatcher({ run: runner.run, maxInFlight: 1, maxBatch: 2 });
    const results = ['a', 'b', 'c', 'd'].map((item) => batcher.submit(item));
    runner.batches[0].finish();
    await settle();
    runner.batches[1].finish();
    await settle();
    runner.batches[2].finish();
    await Promise.all(results);
    expect(runner.batches.map((batch) => batch.items)).toEqual([['a'], ['b', 'c'], ['d']]);
  });

  it('never puts two items with one key in a batch: the second keeps its place for the next one', async () => {
    const runner = controlledRunner();
    const batcher = new StatementBatcher({ run: runner.run, maxInFlight: 1, maxBatch: 10, key: (item: string) => item[0] });
    const results = ['x1', 'a1', 'a2', 'b1', 'a3'].map((item) => batcher.submit(item));
    runner.batches[0].finish();
    await settle();
    expect(runner.batches[1].items).toEqual(['a1', 'b1']);
    runner.batches[1].finish();
    await settle();
    expect(runner.batches[2].items).toEqual(['a2']);
    runner.batches[2].finish();
    await settle();
    runner.batches[3].finish();
    await Promise.all(results);
    expect(runner.batches.map((batch) => batch.items)).toEqual([['x1'], ['a1', 'b1'], ['a2'], ['a3']]);
  });

  it('tries a failed batch again item by item, so only the item the statement cannot take fails', async () => {
    const sent: string[][] = [];
    const run = async (items: string[]) => {
      sent.push(items);
      if (items.includes('bad')) throw new Error('violates a constraint');
      return items.map((item) => `result of ${item}`);
    };
    const batcher = new StatementBatcher({ run, maxInFlight: 1, maxBatch: 10 });
    const [a, b, bad, c] = ['a', 'b', 'bad', 'c'].map((item) => batcher.submit(item));
    await expect(bad).rejects.toThrow('violates a constraint');
    await expect(Promise.all([a, b, c])).resolves.toEqual(['result of a', 'result of b', 'result of c']);
    expect(sent).toEqual([['a'], ['b', 'bad', 'c'], ['b'], ['bad'], ['c']]);
    await expect(batcher.submit('d')).resolves.toBe('result of d');
  });

  it("runs the item-by-item retries one at a time, in the failed batch's slot", async () => {
    let running = 0;
    let mostAtOnce = 0;
    const run = async (): Promise<string[]> => {
      mostAtOnce = Math.max(mostAtOnce, ++running);
      await settle();
      running--;
      throw new Error('connection lost');
    };
    const batcher = new StatementBatcher({ run, maxInFlight: 1, maxBatch: 10 });
    const results = ['a', 'b', 'c', 'd'].map((item) => batcher.submit(item).catch((error: Error) => error.message));
    await expect(Promise.all(results)).resolves.toEqual(Array(4).fill('connection lost'));
    expect(mostAtOnce).toBe(1);
  });

  it('fails the batch when the runner returns a result count that does not match', async () => {
    const batcher = new StatementBatcher({ run: async (items: string[]) => items.slice(1), maxInFlight: 1, maxBatch: 10 });
    await expect(batcher.submit('a')).rejects.toThrow('A batch of 1 statements returned 0 results.');
  });
});
