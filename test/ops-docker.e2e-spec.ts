import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { configSchema } from '../apps/control-plane/src/config/app-config.js';

/**
 * Checks the container and Kubernetes files without a Docker engine (none runs on our machines):
 * structure, variable names against the configuration schema, and template references against the
 * chart's values. `docker compose config` / `docker-compose config` and `helm lint` run when the
 * tool is installed (`npm run check:docker`).
 */
const ROOT = resolve(import.meta.dirname, '..');
const DOCKER = join(ROOT, 'docker');
const CHART = join(DOCKER, 'helm/license-authority');
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

  it('Helm: values name only schema variables, the key comes from a Secret, templates only use values that exist', () => {
    const chart = parse(read(join(CHART, 'Chart.yaml')));
    expect(chart).toMatchObject({ apiVersion: 'v2', name: 'license-authority' });
    const values = parse(read(join(CHART, 'values.yaml')));
    for (const name of Object.keys(values.env)) expect([name, CONFIG_VARIABLES.has(name)]).toEqual([name, true]);
    expect(values.env).not.toHaveProperty('CP_LICENSE_PRIVATE_KEY');
    expect(values.secrets.signingKey).toEqual({ name: expect.any(String), key: expect.any(String) });

    const templates = readdirSync(join(CHART, 'templates')).map((file) => read(join(CHART, 'templates', file)));
    const all = templates.join('\n');
    expect(all).toContain('secretName: {{ .Values.secrets.signingKey.name }}');
    expect(all).toMatch(/name: CP_LICENSE_PRIVATE_KEY_FILE\n\s+value: \/run\/secrets\//);
    expect(all).toContain('path: /api/health/ready');
    for (const [, path] of all.matchAll(/\.Values\.([A-Za-z0-9_.]+)/g)) {
      const found = path.split('.').reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], values);
      expect([path, found !== undefined]).toEqual([path, true]);
    }
  });

  const composeCli = composeCommand();
  (composeCli ? it : it.skip)('compose: `config` accepts the file (client only, no engine)', () => {
    const [command, ...args] = composeCli!;
    const output = execFileSync(command, [...args, '-f', join(DOCKER, 'compose.yml'), 'config'], {
      env: { ...process.env, POSTGRES_PASSWORD: 'check-only' },
      encoding: 'utf8',
    });
    expect(parse(output).services['control-plane'].environment.DATABASE_URL).toBe('postgres://license_authority:check-only@postgres:5432/license_authority');
  });

  (commandWorks('helm', ['version']) ? it : it.skip)('Helm: `helm lint` passes', () => {
    expect(() => execFileSync('helm', ['lint', CHART], { encoding: 'utf8' })).not.toThrow();
  });
});
