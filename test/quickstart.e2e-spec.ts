import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { freePort, spawnProcess, stopGroup, waitHealthy, type ControlPlaneProcess } from './support/control-plane-process.js';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '..');
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');

function section(title: string): string {
  const start = README.indexOf(`\n## ${title}\n`);
  if (start < 0) throw new Error(`README has no "## ${title}" section`);
  const end = README.indexOf('\n## ', start + 1);
  return README.slice(start, end < 0 ? undefined : end);
}

/** The commands of a ```bash block, a command continued with a trailing backslash counting as one. */
function commandsOf(block: string): string[] {
  return block
    .replace(/\\\n/g, '')
    .split('\n')
    .filter((line) => line.trim() !== '');
}

const quickStart = [...section('Quick start').matchAll(/```bash\n([\s\S]*?)```/g)].map((match) => commandsOf(match[1]));
const cliSection = section('CLI (`licensectl`)');
/** `| \`command\` | \`example\` | what |` rows; `\|` is how a table cell spells a pipe. */
const cliTable = [...cliSection.matchAll(/^\| `(.+?)` \| `(.+?)` \| .+ \|$/gm)].map((row) => ({
  command: row[1].replaceAll('\\|', '|'),
  example: row[2].replaceAll('\\|', '|'),
}));

/**
 * The README's Quick start and CLI table, run as a newcomer types them, on the embedded default: in a scratch
 * directory that stands for a fresh clone (this checkout's sources, build and node_modules linked in), so
 * `data/` is new; the only change to the text is the port, a free one instead of 3000.
 */
describe('the README, run as written', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'la-readme-'));
  let port: number;
  let server: ControlPlaneProcess;
  let env: Record<string, string>;

  beforeAll(async () => {
    for (const entry of ['apps', 'libs', 'prisma-free-migrations', 'scripts', 'dist', 'node_modules', 'package.json', 'package-lock.json', '.swcrc']) {
      symlinkSync(join(ROOT, entry), join(scratch, entry));
    }
    // What `npm link` does: `licensectl` on PATH runs the package's bin.
    const bin = join(scratch, '.bin');
    mkdirSync(bin);
    writeFileSync(join(bin, 'licensectl'), `#!/bin/sh\nexec "${process.execPath}" "${join(ROOT, 'dist/apps/cli/src/main.js')}" "$@"\n`);
    chmodSync(join(bin, 'licensectl'), 0o755);
    port = await freePort();
    env = { PATH: `${bin}:${process.env.PATH ?? ''}`, HOME: process.env.HOME ?? scratch, PORT: String(port) };
  });

  afterAll(async () => {
    if (server) {
      stopGroup(server);
      await server.exited;
    }
    rmSync(scratch, { recursive: true, force: true });
  });

  /** Runs commands in one shell (variables carry over), stopping at the first failure; returns each one's stdout. */
  async function shell(commands: string[]): Promise<string[]> {
    // Each marker on a line of its own: curl's output does not end with a newline.
    const script = [
      'set -euo pipefail',
      ...commands.flatMap((command, index) => [`printf '\\n@@${index}\\n'`, command.replaceAll('localhost:3000', `localhost:${port}`)]),
    ].join('\n');
    try {
      const { stdout } = await run('bash', ['-c', script], { cwd: scratch, env, timeout: 600_000, maxBuffer: 16 * 1024 * 1024 });
      return stdout.split(/^@@\d+\n/m).slice(1);
    } catch (error) {
      const failed = error as { stdout?: string; stderr?: string };
      throw new Error(`README commands failed.\nstdout:\n${failed.stdout}\nstderr:\n${failed.stderr}`, { cause: error });
    }
  }

  it('quick start: the server first, then the CLI beside it, then the API', async () => {
    expect(quickStart).toHaveLength(3);
    // `npm install` already ran for this checkout; `npm start` is the server, left running.
    expect(quickStart[0].map((line) => line.replace(/\s+#.*$/, ''))).toEqual(['npm install', 'npm start']);
    server = spawnProcess(['bash', '-c', quickStart[0][1]], env, scratch);
    if (!(await waitHealthy(`http://127.0.0.1:${port}`, server, 180_000))) throw new Error(`npm start did not serve:\n${server.output()}`);

    const cli = await shell(quickStart[1]);
    expect(cli).toHaveLength(quickStart[1].length);
    for (const output of cli) expect(JSON.parse(output)).not.toHaveProperty('error');
    expect(JSON.parse(cli.at(-1)!)).toEqual([expect.objectContaining({ tenant_id: 'acme', status: 'active' })]);

    const api = await shell(quickStart[2]);
    expect(api).toHaveLength(quickStart[2].length);
    for (const output of api.slice(1)) {
      expect(output.trim()).not.toBe('');
      expect(output).not.toContain('"error":');
    }
    const inspected = JSON.parse(api[quickStart[2].findIndex((command) => command.includes('/licenses/inspect'))]) as { valid: boolean; status: string };
    expect(inspected).toMatchObject({ valid: true, status: 'active' });
  }, 600_000);

  it('CLI: every example of the table runs, in order, beside the server', async () => {
    expect(cliTable.length).toBeGreaterThan(10);
    const outputs = await shell(cliTable.map((row) => row.example));
    expect(outputs).toHaveLength(cliTable.length);
    outputs.forEach((output, index) => {
      expect({ example: cliTable[index].example, output: JSON.parse(output) as unknown }).not.toHaveProperty('output.error');
    });
  }, 900_000);

  it('CLI: the table names every command licensectl has', async () => {
    const cli = (...args: string[]) => run(process.execPath, [join(ROOT, 'dist/apps/cli/src/main.js'), ...args]).then((result) => result.stdout);
    const subcommands = (help: string) =>
      [...(help.split('\nCommands:\n')[1] ?? '').matchAll(/^ {2}(\S+)/gm)].map((match) => match[1]).filter((name) => name !== 'help');
    const leaves: string[] = [];
    for (const command of subcommands(await cli('--help'))) {
      const children = subcommands(await cli(command, '--help'));
      leaves.push(...(children.length ? children.map((child) => `${command} ${child}`) : [command]));
    }
    const documented = cliTable.map((row) => row.command);
    expect(leaves.filter((leaf) => !documented.some((command) => command === leaf || command.startsWith(`${leaf} `)))).toEqual([]);
  }, 120_000);
});
