import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';

const ROOT = resolve(import.meta.dirname, '../..');
const MAIN = join(ROOT, 'dist/apps/control-plane/src/main.js');

/** Newest modification time of the files a library builds from (its src/ is flat). */
function newestSource(library: string): number {
  const src = join(ROOT, 'libs', library, 'src');
  return Math.max(
    ...readdirSync(src)
      .filter((name) => !name.endsWith('.spec.ts'))
      .map((name) => statSync(join(src, name)).mtimeMs),
  );
}

/**
 * The compiled apps import the workspace libraries by name, which Node resolves through node_modules to each
 * library's own dist/ (`npm run build` or `npm run build:libs` makes them). Rebuilding one here would pull it
 * from under another test's running process, so a missing or stale build fails instead.
 */
export function assertLibraryBuilt(library: 'license-core' | 'tenant-sdk'): void {
  // The SDK's build holds license-core too.
  const sources = library === 'tenant-sdk' ? ['tenant-sdk', 'license-core'] : [library];
  const built = statSync(join(ROOT, 'libs', library, 'dist'), { throwIfNoEntry: false })?.mtimeMs ?? 0;
  if (Math.max(...sources.map(newestSource)) > built) throw new Error(`libs/${library}/dist is missing or older than its sources: run npm run build:libs`);
}

/**
 * Compiles the apps into a new directory of the caller's own (remove it afterwards), so a test that runs
 * the compiled process leaves the shared dist/ alone. Returns that directory. The control plane and the worker
 * import license-core; the CLI's `fingerprint` also the SDK, whose build a test packing the SDK remakes (see packed-sdk.ts).
 */
export async function compileApp(prefix = 'la-dist-'): Promise<string> {
  assertLibraryBuilt('license-core');
  const outDir = mkdtempSync(join(tmpdir(), prefix));
  await promisify(execFile)(
    'npx',
    ['swc', 'apps', 'prisma-free-migrations', '-d', outDir, '--config-file', '.swcrc', '--ignore', '**/*.spec.ts,**/dist/**,apps/web/**', '-q'],
    { cwd: ROOT, timeout: 120_000 },
  );
  // Outside the repository the output needs the ESM marker and a way to the installed packages (the workspace libraries among them).
  writeFileSync(join(outDir, 'package.json'), JSON.stringify({ type: 'module' }));
  symlinkSync(join(ROOT, 'node_modules'), join(outDir, 'node_modules'));
  return outDir;
}

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

/**
 * Starts the compiled control plane (`npm run build` first, or the directory `compileApp` made) as
 * `npm start` does, with only `env` set.
 */
export function spawnControlPlane(env: Record<string, string>, outDir?: string): ControlPlaneProcess {
  return spawnProcess([process.execPath, outDir ? join(outDir, 'apps/control-plane/src/main.js') : MAIN], env);
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
