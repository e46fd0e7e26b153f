// `npm start` and `npm run cli` call this instead of `npm run build`: it compiles only when a source file is
// newer than the last build, so a CLI call costs a Node start, not a compile.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import process from 'node:process';

const SOURCES = ['apps', 'libs', 'prisma-free-migrations', '.swcrc', 'package.json'];
const SKIPPED = new Set(['node_modules', 'dist']);

/** Newest modification time under `path`; directories count too, so a deleted file is a change. */
function newestChange(path) {
  const stats = statSync(path);
  if (!stats.isDirectory()) return stats.mtimeMs;
  let newest = stats.mtimeMs;
  for (const entry of readdirSync(path)) {
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
