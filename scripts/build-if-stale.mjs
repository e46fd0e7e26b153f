// `npm start` and `npm run cli` call this instead of `npm run build`: it compiles only when a source file is
// newer than the last build, so a CLI call costs a Node start, not a compile.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import process from 'node:process';

const SOURCES = ['apps', 'libs', 'prisma-free-migrations', '.swcrc', 'package.json'];
const SKIPPED = new Set(['node_modules', 'dist']);
// `npm run build` does not compile the web app (`npm run build:web` does), and that build rewrites the
// app's generated API types every time: counting it would rebuild everything after each web build.
const NOT_BUILT = new Set([join('apps', 'web')]);

/**
 * Newest modification time under `path`. Directories count too, so a deleted file is a change, except one
 * holding a dist or node_modules: its time also moves when that is recreated (packing the SDK rebuilds
 * libs/tenant-sdk/dist), and a rebuild then would delete every dist/ under a running test's feet.
 */
function newestChange(path) {
  const stats = statSync(path);
  if (!stats.isDirectory()) return stats.mtimeMs;
  if (NOT_BUILT.has(path)) return 0;
  const entries = readdirSync(path);
  let newest = entries.some((entry) => SKIPPED.has(entry)) ? 0 : stats.mtimeMs;
  for (const entry of entries) {
    if (!SKIPPED.has(entry)) newest = Math.max(newest, newestChange(join(path, entry)));
  }
  return newest;
}

function lastBuild() {
  try {
    // `npm run build` recreates dist first, so the directory's own time is when that build started.
    return statSync('dist').mtimeMs;
  } catch {
    return 0;
  }
}

if (Math.max(...SOURCES.map(newestChange)) > lastBuild()) {
  const build = spawnSync('npm', ['run', '-s', 'build'], { stdio: 'inherit' });
  process.exitCode = build.status ?? 1;
}
