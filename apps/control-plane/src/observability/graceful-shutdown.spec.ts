import { RunningHandlers } from './graceful-shutdown.js';

describe('RunningHandlers.track', () => {
  it('counts a handler while it runs, and out again however it ends, a throw before its promise included', async () => {
    const handlers = new RunningHandlers();
    let finish!: () => void;
    const running = handlers.track(() => new Promise<void>((resolve) => (finish = resolve)));
    expect(handlers.count).toBe(1);
    await expect(
      handlers.track(() => {
        throw new Error('refused before any await');
      }),
    ).rejects.toThrow('refused before any await');
    await expect(handlers.track(() => Promise.reject(new Error('refused later')))).rejects.toThrow('refused later');
    expect(handlers.count).toBe(1);
    finish();
    await running;
    expect(handlers.count).toBe(0);
    expect(await handlers.settled(0)).toBe(true);
  });
});
