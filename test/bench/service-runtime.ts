/**
 * What the service's own event loop went through during a phase of the benchmark, read from its
 * Prometheus metrics (prom-client's defaults): how late the loop ran its callbacks and how long
 * garbage collection took. A latency tail that these explain is the process's; one they do not is
 * waiting elsewhere (the database, Redis, the group-commit queue). Only meaningful for a single
 * process: with a cluster, /metrics answers from one worker.
 */
export interface RuntimeFigures {
  /** How late the loop ran a timer, beyond the sampling interval; the histogram restarts at each scrape. */
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
  gcMs: number;
  majorGcs: number;
}

/**
 * prom-client's default eventLoopMonitoringPrecision. Node's loop-delay histogram records each sampling
 * interval whole (an idle loop reads 10.1 ms), so the interval is taken off.
 */
const LOOP_SAMPLING_MS = 10;

/** Scrapes now (which also restarts the loop-delay histogram); `finish` scrapes again and compares. */
export async function watchRuntime(baseUrl: string): Promise<{ finish(): Promise<RuntimeFigures> }> {
  const before = await scrape(baseUrl);
  return {
    finish: async () => {
      const after = await scrape(baseUrl);
      const grew = (name: string) => (after.get(name) ?? 0) - (before.get(name) ?? 0);
      const gcSeconds = ['major', 'minor', 'incremental', 'weakcb'].reduce((sum, kind) => sum + grew(`nodejs_gc_duration_seconds_sum{kind="${kind}"}`), 0);
      return {
        loopDelayP99Ms: (after.get('nodejs_eventloop_lag_p99_seconds') ?? NaN) * 1000 - LOOP_SAMPLING_MS,
        loopDelayMaxMs: (after.get('nodejs_eventloop_lag_max_seconds') ?? NaN) * 1000 - LOOP_SAMPLING_MS,
        gcMs: gcSeconds * 1000,
        majorGcs: grew('nodejs_gc_duration_seconds_count{kind="major"}'),
      };
    },
  };
}

/** Every sample of the scrape by its name and labels, as the exposition format writes them. */
async function scrape(baseUrl: string): Promise<Map<string, number>> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  const values = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || !line.trim()) continue;
    const space = line.lastIndexOf(' ');
    values.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return values;
}
