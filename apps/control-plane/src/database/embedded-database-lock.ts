import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';

/** Who owns an embedded database directory: enough for a refused process to say whom to stop. */
export interface EmbeddedDatabaseHolder {
  pid: number;
  /** The HTTP port of a control plane, null for licensectl or the worker. */
  port: number | null;
  program: string;
  since: string;
}

export class EmbeddedDatabaseBusyError extends Error {
  constructor(
    readonly dataDir: string,
    readonly holder: EmbeddedDatabaseHolder,
  ) {
    const port = holder.port === null ? '' : `, port ${holder.port}`;
    super(
      `DATA_DIR ${dataDir} is in use by ${holder.program} (pid ${holder.pid}${port}): one process owns the embedded database. Stop that process, use the CLI beside it, or point DATA_DIR elsewhere.`,
    );
  }
}

export function lockFilePath(dataDir: string): string {
  return join(resolve(dataDir), 'pglite.lock');
}

function isAlive(pid: number): boolean {
  // A lock naming this very process was left by a previous life with the same pid (containers restart as pid 1).
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readHolder(path: string): EmbeddedDatabaseHolder | undefined {
  try {
    const holder = JSON.parse(readFileSync(path, 'utf8')) as EmbeddedDatabaseHolder;
    return Number.isInteger(holder.pid) ? holder : undefined;
  } catch {
    // Missing, or half-written by a process killed while writing it: either way nobody holds it.
    return undefined;
  }
}

/** The live process holding the directory, if any (a lock left by a killed process does not count). */
export function liveHolder(dataDir: string): EmbeddedDatabaseHolder | undefined {
  const holder = readHolder(lockFilePath(dataDir));
  return holder && isAlive(holder.pid) ? holder : undefined;
}

/** Refuses early, with one line, when another live process owns DATA_DIR (the lock itself still decides races). */
export function assertEmbeddedDatabaseFree(dataDir: string): void {
  const holder = liveHolder(dataDir);
  if (holder) throw new EmbeddedDatabaseBusyError(resolve(dataDir), holder);
}

export interface EmbeddedDatabaseLock {
  holder: EmbeddedDatabaseHolder;
  release(): void;
}

/**
 * Takes the directory for this process: the lock file is created exclusively (O_EXCL), so of two processes
 * starting together exactly one wins. A lock whose pid is gone (kill -9, power loss) is stale and replaced.
 */
export function acquireEmbeddedDatabaseLock(dataDir: string, port: number | null): EmbeddedDatabaseLock {
  const path = lockFilePath(dataDir);
  mkdirSync(resolve(dataDir), { recursive: true });
  const holder: EmbeddedDatabaseHolder = { pid: process.pid, port, program: programName(), since: new Date().toISOString() };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      try {
        writeFileSync(fd, JSON.stringify(holder));
      } finally {
        closeSync(fd);
      }
      return {
        holder,
        release: () => {
          if (readHolder(path)?.pid === process.pid) rmSync(path, { force: true });
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const current = readHolder(path);
      if (current && isAlive(current.pid)) throw new EmbeddedDatabaseBusyError(resolve(dataDir), current);
      rmSync(path, { force: true });
    }
  }
  throw new Error(`could not take the lock ${path}: it keeps being recreated`);
}

/** A control plane started on port 0 learns its port only once it listens; the lock then says which. */
export function recordEmbeddedDatabasePort(dataDir: string, port: number): void {
  const path = lockFilePath(dataDir);
  const holder = readHolder(path);
  if (holder?.pid === process.pid) writeFileSync(path, JSON.stringify({ ...holder, port }), { mode: 0o600 });
}

function programName(): string {
  const script = process.argv[1] ?? '';
  if (script.includes(`${join('apps', 'cli')}`) || basename(script) === 'licensectl') return 'licensectl';
  if (script.includes(join('apps', 'worker'))) return 'the notification worker';
  return 'the control plane';
}
