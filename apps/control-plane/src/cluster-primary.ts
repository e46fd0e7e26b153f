import cluster, { type Worker } from 'node:cluster';

/**
 * One HTTP process per core: signing is CPU-bound, so a single Node process cannot use a second
 * core for it. The primary only forks, replaces a worker that crashed, and on SIGTERM/SIGINT passes
 * the signal on and waits for every worker to drain. Workers share the listening socket (cluster
 * round-robin) and coordinate through Postgres exactly as separate replicas do.
 */
export function runClusterPrimary(workers: number, log: (line: string) => void = (line) => console.log(line)): void {
  let stopping = false;
  const fork = () => cluster.fork();
  cluster.on('exit', (worker: Worker, code, signal) => {
    if (stopping) {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
      return;
    }
    log(`cluster worker ${worker.process.pid} exited (${signal ?? code}); starting another`);
    setTimeout(fork, 1_000);
  });
  for (let index = 0; index < workers; index++) fork();
  log(`cluster primary ${process.pid} started ${workers} workers`);
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      stopping = true;
      for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill(signal);
    });
  }
}
