import type { ChildProcess } from 'node:child_process';

/** Waits until the spawned service answers its health check (up to a minute), or fails if it exits first. */
export async function waitHealthy(child: ChildProcess, baseUrl: string): Promise<ChildProcess> {
  for (let attempt = 0; attempt < 240; attempt++) {
    const ready = await fetch(`${baseUrl}/api/health`).catch(() => undefined);
    if (ready?.ok) return child;
    if (child.exitCode !== null) throw new Error(`the service exited with ${child.exitCode}`);
    await new Promise((done) => setTimeout(done, 250));
  }
  throw new Error('the service did not become healthy');
}

/** SIGTERM, as an orchestrator would, and wait for the exit. */
export async function stopService(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((done) => child.once('exit', done));
  child.kill('SIGTERM');
  await exited;
}
