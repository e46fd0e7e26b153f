import { chmodSync, existsSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { acquireEmbeddedDatabaseLock, liveHolder, type EmbeddedDatabaseHolder } from './embedded-database-lock.js';
import { serializeProtocolSequences } from './pglite-protocol-queue.js';

/** The Postgres default port only names the socket file (`.s.PGSQL.5432`); nothing listens on TCP. */
const SOCKET_PORT = 5432;
/** The server's pool, licensectl and a second licensectl at once. */
const MAX_CONNECTIONS = 64;
/** Linux refuses longer unix socket paths (sun_path is 108 bytes, one for the terminating NUL). */
const MAX_SOCKET_PATH = 107;

export function embeddedSocketPath(dataDir: string): string {
  return join(resolve(dataDir), `.s.PGSQL.${SOCKET_PORT}`);
}

/** What `pg` connects to: the unix socket in DATA_DIR (the `host` parameter names the socket's directory). */
export function embeddedDatabaseUrl(dataDir: string): string {
  return `postgres://postgres@localhost:${SOCKET_PORT}/postgres?host=${encodeURIComponent(resolve(dataDir))}`;
}

export interface EmbeddedDatabase {
  url: string;
  holder: EmbeddedDatabaseHolder;
  close(): Promise<void>;
}

/**
 * Opens PGlite in DATA_DIR/pglite as its one owner and serves it over the Postgres wire protocol on a unix
 * socket in DATA_DIR. The owner itself connects through that socket too, so its own transactions and those
 * of a licensectl beside it are queued one connection at a time (PGlite is a single session), never mixed.
 */
export async function startEmbeddedDatabase(dataDir: string, port: number | null): Promise<EmbeddedDatabase> {
  const socketPath = embeddedSocketPath(dataDir);
  if (socketPath.length > MAX_SOCKET_PATH) {
    throw new Error(`DATA_DIR ${resolve(dataDir)} is too long for the embedded database's socket (${socketPath}); use a shorter path`);
  }
  const lock = acquireEmbeddedDatabaseLock(dataDir, port);
  let db: PGlite | undefined;
  let server: PGLiteSocketServer | undefined;
  try {
    // A socket file left by a killed owner would make listen() fail with EADDRINUSE; the lock says it is ours now.
    rmSync(socketPath, { force: true });
    db = await PGlite.create({ dataDir: join(resolve(dataDir), 'pglite') });
    server = new PGLiteSocketServer({ db, path: socketPath, maxConnections: MAX_CONNECTIONS });
    serializeProtocolSequences(server);
    await server.start();
    chmodSync(socketPath, 0o600);
  } catch (error) {
    await server?.stop();
    await db?.close();
    lock.release();
    throw error;
  }
  const [openDb, openServer] = [db, server];
  return {
    url: embeddedDatabaseUrl(dataDir),
    holder: lock.holder,
    close: async () => {
      await openServer.stop();
      await openDb.close();
      rmSync(socketPath, { force: true });
      lock.release();
    },
  };
}

/**
 * The embedded database for a process that may share it (licensectl): the running owner's socket when a
 * control plane holds DATA_DIR, otherwise its own, owned until `close`.
 */
export async function joinOrStartEmbeddedDatabase(dataDir: string, waitMs = 30_000): Promise<{ url: string; close(): Promise<void> }> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const holder = liveHolder(dataDir);
    if (!holder) {
      try {
        return await startEmbeddedDatabase(dataDir, null);
      } catch (error) {
        // Another process took the directory in between: join it on the next pass.
        if (!liveHolder(dataDir)) throw error;
        continue;
      }
    }
    // The owner takes the lock before PGlite is open; the socket appears once it accepts connections.
    if (existsSync(embeddedSocketPath(dataDir))) return { url: embeddedDatabaseUrl(dataDir), close: async () => undefined };
    if (Date.now() > deadline) {
      throw new Error(`${holder.program} (pid ${holder.pid}) holds DATA_DIR ${resolve(dataDir)} but has not opened its database within ${waitMs / 1000} s`);
    }
    await sleep(200);
  }
}
