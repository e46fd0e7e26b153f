// npm run bench:cli — wall time of licensectl calls as a person makes them: `--help`, and `licenses list`
// beside a control plane running on the embedded database. Prints medians and the machine's load.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import process from 'node:process';
import { setTimeout as sleep } from 'node:timers/promises';

const ROOT = resolve(import.meta.dirname, '../..');
const CLI = join(ROOT, 'dist/apps/cli/src/main.js');
const RUNS = Number(process.env.RUNS ?? 5);
const dataDir = mkdtempSync(join(tmpdir(), 'la-bench-cli-'));
const port = 20_000 + Math.floor(Math.random() * 20_000);
const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? dataDir, DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1' };

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function timed(label, command, args) {
  const times = [];
  for (let run = 0; run < RUNS; run++) {
    const started = process.hrtime.bigint();
    execFileSync(command, args, { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'ignore'] });
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  process.stdout.write(`${label}: median ${median(times).toFixed(0)} ms, min ${Math.min(...times).toFixed(0)} ms (${RUNS} runs)\n`);
}

const server = spawn(process.execPath, [join(ROOT, 'dist/apps/control-plane/src/main.js')], { env, stdio: 'ignore' });
try {
  for (let attempt = 0; ; attempt++) {
    const health = await globalThis.fetch(`http://127.0.0.1:${port}/api/health`).catch(() => undefined);
    if (health?.ok) break;
    if (attempt > 1_200) throw new Error('the control plane did not start');
    await sleep(250);
  }
  process.stdout.write(
    `cores ${availableParallelism()}, load average before ${loadavg()
      .map((load) => load.toFixed(1))
      .join(' ')}\n`,
  );
  timed('licensectl --help', process.execPath, [CLI, '--help']);
  timed('npm run -s cli -- --help (nothing to rebuild)', 'npm', ['run', '-s', 'cli', '--', '--help']);
  timed('licensectl licenses list (beside the server)', process.execPath, [CLI, 'licenses', 'list']);
  process.stdout.write(
    `load average after ${loadavg()
      .map((load) => load.toFixed(1))
      .join(' ')}\n`,
  );
} finally {
  server.kill('SIGTERM');
  await new Promise((done) => server.on('exit', done));
  rmSync(dataDir, { recursive: true, force: true });
}
