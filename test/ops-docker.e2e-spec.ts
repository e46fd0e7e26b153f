import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { configSchema } from '../apps/control-plane/src/config/app-config.js';

/**
 * Checks the container files without a Docker engine (none runs on our machines): structure and
 * variable names against the configuration schema. `docker compose config` / `docker-compose config`
 * runs when the tool is installed (`npm run check:docker`). The chart has its own test, ops-helm.
 */
const ROOT = resolve(import.meta.dirname, '..');
const DOCKER = join(ROOT, 'docker');
const CONFIG_VARIABLES = new Set(Object.keys(configSchema.shape));
/** Variables the schema reads that every deployment must set (the rest have safe defaults). */
const REQUIRED_IN_PRODUCTION = ['NODE_ENV', 'DATABASE_URL', 'REDIS_URL', 'CP_LICENSE_PRIVATE_KEY_FILE', 'LICENSE_ISSUER', 'LICENSE_AUDIENCE'];

function read(path: string): string {
  return readFileSync(path, 'utf8');
}

function commandWorks(command: string, args: string[]): boolean {
  return spawnSync(command, args, { stdio: 'ignore' }).status === 0;
}

function composeCommand(): string[] | undefined {
  if (commandWorks('docker', ['compose', 'version'])) return ['docker', 'compose'];
  if (commandWorks('docker-compose', ['version'])) return ['docker-compose'];
  return undefined;
}

describe('docker/ files (static checks, no engine)', () => {
  // Compose resolves YAML merge keys (`<<: *app`); so does this parse.
  const compose = parse(read(join(DOCKER, 'compose.yml')), { merge: true });

  it('Dockerfile: multi-stage, production dependencies only, non-root, with a health check', () => {
    const dockerfile = read(join(DOCKER, 'Dockerfile'));
    const stages = dockerfile.split('\n').filter((line) => line.startsWith('FROM '));
    expect(stages.length).toBeGreaterThanOrEqual(3);
    const runtime = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
    expect(runtime).toMatch(/^USER node$/m);
    expect(runtime).toMatch(/^HEALTHCHECK .*\n?.*\/api\/health/m);
    expect(runtime).not.toMatch(/npm (ci|install)(?! --omit=dev)/);
    expect(dockerfile).toMatch(/npm ci --omit=dev/);
    const entry = /CMD \["node", "--enable-source-maps", "dist\/(.+)\.js"\]/.exec(runtime)?.[1];
    expect(read(join(ROOT, `${entry}.ts`))).toContain('createApp');
  });

  it('Dockerfile: every workspace library is linked by npm ci and reaches the runtime stage built', () => {
    const dockerfile = read(join(DOCKER, 'Dockerfile'));
    const stage = (name: string) => dockerfile.slice(dockerfile.indexOf(`AS ${name}\n`)).split('\nFROM ')[0]!;
    const libraries = (JSON.parse(read(join(ROOT, 'package.json'))).workspaces as string[]).filter((path) => path.startsWith('libs/'));
    expect(libraries.length).toBeGreaterThan(0);
    for (const library of libraries) {
      // npm ci links node_modules/@atlasai/<name> only for a workspace whose package.json it finds.
      for (const name of ['build', 'production-deps']) {
        const copied = stage(name).indexOf(`COPY ${library}/package.json ./${library}/`);
        expect([name, library, copied >= 0 && copied < stage(name).indexOf('RUN npm ci')]).toEqual([name, library, true]);
      }
      // The package's exports point Node at its dist/.
      const runtime = stage('runtime');
      for (const path of ['package.json', 'dist']) expect(runtime).toContain(`/app/${library}/${path} ./${library}/`);
    }
  });

  it('compose: Postgres, Redis, Mailpit, control plane and worker, Prometheus and Grafana behind a profile', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['control-plane', 'grafana', 'mailpit', 'postgres', 'prometheus', 'redis', 'worker']);
    for (const name of ['prometheus', 'grafana']) expect(compose.services[name].profiles).toEqual(['observability']);
    for (const service of ['prometheus', 'grafana'])
      for (const volume of compose.services[service].volumes as string[])
        if (volume.startsWith('./')) expect([volume, existsSync(join(DOCKER, volume.split(':')[0]))]).toEqual([volume, true]);
    expect(compose.services['control-plane'].depends_on.postgres.condition).toBe('service_healthy');
    expect(compose.services.worker.healthcheck.test.join(' ')).toContain('/healthz');
  });

  it('compose: every variable of the config schema reaches both application containers', () => {
    const example = read(join(ROOT, '.env.example'));
    // .env (a copy of .env.example) is the containers' env_file: each variable listed there, set or commented, reaches them.
    const listed = new Set([...example.matchAll(/^#? ?([A-Z][A-Z0-9_]+)=/gm)].map((match) => match[1]));
    const setInExample = new Set([...example.matchAll(/^([A-Z][A-Z0-9_]+)=/gm)].map((match) => match[1]));
    for (const service of ['control-plane', 'worker']) {
      const definition = compose.services[service];
      expect(definition.env_file).toBe('../.env');
      const environment = definition.environment as Record<string, string>;
      for (const name of Object.keys(environment)) expect([service, name, CONFIG_VARIABLES.has(name)]).toEqual([service, name, true]);
      for (const name of REQUIRED_IN_PRODUCTION) expect([name, name in environment || setInExample.has(name)]).toEqual([name, true]);
      for (const name of CONFIG_VARIABLES) expect([service, name, listed.has(name) || name in environment]).toEqual([service, name, true]);
      expect(environment).toMatchObject({
        CP_LICENSE_PRIVATE_KEY_FILE: '/run/secrets/cp-license-private-key',
        CP_LICENSE_PRIVATE_KEY: '',
        METRICS_PORT: '9464',
      });
      expect(definition.secrets).toEqual(['cp-license-private-key']);
    }
    // Each `${VAR}` an operator sets in .env is listed in .env.example.
    const interpolated = new Set([...read(join(DOCKER, 'compose.yml')).matchAll(/\$\{([A-Z_]+)[:?}-]/g)].map((match) => match[1]));
    for (const name of interpolated) expect([name, listed.has(name)]).toEqual([name, true]);
  });

  const composeCli = composeCommand();
  (composeCli ? it : it.skip)('compose: `config` accepts the file (client only, no engine)', () => {
    const [command, ...args] = composeCli!;
    // The containers' env_file is the operator's .env; the example stands in for it when there is none.
    const envFile = join(ROOT, '.env');
    if (!existsSync(envFile)) copyFileSync(join(ROOT, '.env.example'), envFile);
    const output = execFileSync(command, [...args, '-f', join(DOCKER, 'compose.yml'), 'config'], {
      env: { ...process.env, POSTGRES_PASSWORD: 'check-only' },
      encoding: 'utf8',
    });
    expect(parse(output).services['control-plane'].environment.DATABASE_URL).toBe('postgres://license_authority:check-only@postgres:5432/license_authority');
  });
});
