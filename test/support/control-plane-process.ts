import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const MAIN = resolve(import.meta.dirname, '../../dist/apps/control-plane/src/main.js');

export function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
    server.on('error', fail);
  });
}

export interface ControlPlaneProcess {
  child: ChildProcess;
  /** Resolves with the exit code (null when killed by a signal). */
  exited: Promise<number | null>;
  /** Everything written to stdout and stderr so far. */
  output(): string;
}

/** Starts the compiled control plane (`npm run build` first) as `npm start` does, with only `env` set. */
export function spawnControlPlane(env: Record<string, string>): ControlPlaneProcess {
  return spawnProcess([process.execPath, MAIN], env);
}

/** Runs `command` in its own process group, so `stopGroup` reaches what it starts (npm start runs node under a shell). */
export function spawnProcess(command: string[], env: Record<string, string>, cwd?: string): ControlPlaneProcess {
  const [program, ...args] = command;
  const child = spawn(program, args, { cwd, detached: true, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk) => (output += chunk));
  child.stderr?.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
  return { child, exited, output: () => output };
}

/** Sends `signal` to the process and everything it started. */
export function stopGroup(server: ControlPlaneProcess, signal: NodeJS.Signals = 'SIGTERM'): void {
  if (server.child.pid === undefined || server.child.exitCode !== null) return;
  try {
    process.kill(-server.child.pid, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

/** Polls GET /api/health until it answers 200; false when the process exits or `timeoutMs` passes first. */
export async function waitHealthy(baseUrl: string, server: ControlPlaneProcess, timeoutMs = 120_000): Promise<boolean> {
  let exited = false;
  void server.exited.then(() => (exited = true));
  const deadline = Date.now() + timeoutMs;
  while (!exited && Date.now() < deadline) {
    const health = await fetch(`${baseUrl}/api/health`).catch(() => undefined);
    if (health?.ok) return true;
    await sleep(250);
  }
  return false;
}
