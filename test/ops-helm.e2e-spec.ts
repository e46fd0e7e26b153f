import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Ajv } from 'ajv';
import * as appsV1 from 'kubernetes-models/apps/v1';
import * as autoscalingV2 from 'kubernetes-models/autoscaling/v2';
import * as batchV1 from 'kubernetes-models/batch/v1';
import * as networkingV1 from 'kubernetes-models/networking.k8s.io/v1';
import * as policyV1 from 'kubernetes-models/policy/v1';
import * as coreV1 from 'kubernetes-models/v1';
import * as monitoringV1 from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';
import { parse } from 'yaml';
import { configSchema } from '../apps/control-plane/src/config/app-config.js';
import { HelmTemplates } from './support/helm-template.js';

/**
 * The chart rendered by test/support/helm-template.ts (no helm binary can be installed here), each
 * manifest validated against the Kubernetes 1.33 schemas of kubernetes-models (and the
 * prometheus-operator CRD schemas), plus Pod Security "restricted" and the chart's own promises.
 */
const CHART = resolve(import.meta.dirname, '../docker/helm/license-authority');
const OBSERVABILITY = resolve(import.meta.dirname, '../docker/observability');
const defaults = parse(readFileSync(join(CHART, 'values.yaml'), 'utf8')) as Record<string, any>;
const schema = JSON.parse(readFileSync(join(CHART, 'values.schema.json'), 'utf8')) as object;
const validateValues = new Ajv({ allErrors: true, strict: false }).compile(schema);
const templates = new HelmTemplates(CHART);

type Manifest = Record<string, any>;
interface Validatable {
  validate(): void;
}
type ModelClass = new (data: any) => Validatable;

const MODELS: Record<string, ModelClass> = {
  'v1/ConfigMap': coreV1.ConfigMap,
  'v1/Service': coreV1.Service,
  'v1/ServiceAccount': coreV1.ServiceAccount,
  'v1/Pod': coreV1.Pod,
  'apps/v1/Deployment': appsV1.Deployment,
  'batch/v1/Job': batchV1.Job,
  'policy/v1/PodDisruptionBudget': policyV1.PodDisruptionBudget,
  'autoscaling/v2/HorizontalPodAutoscaler': autoscalingV2.HorizontalPodAutoscaler,
  'networking.k8s.io/v1/NetworkPolicy': networkingV1.NetworkPolicy,
  'networking.k8s.io/v1/Ingress': networkingV1.Ingress,
  'monitoring.coreos.com/v1/ServiceMonitor': monitoringV1.ServiceMonitor,
  'monitoring.coreos.com/v1/PrometheusRule': monitoringV1.PrometheusRule,
};

/** Representative production values: every optional feature on. */
function fullValues(overrides: (values: Record<string, any>) => void = () => undefined): Record<string, any> {
  const values = structuredClone(defaults);
  values.redis.url = 'redis://redis-master.data:6379';
  values.imagePullSecrets = [{ name: 'registry-credentials' }];
  values.nodeSelector = { 'kubernetes.io/os': 'linux' };
  values.tolerations = [{ key: 'dedicated', operator: 'Equal', value: 'licensing', effect: 'NoSchedule' }];
  values.podAnnotations = { 'example.com/team': 'licensing' };
  values.secrets.nextSigningKey.name = 'license-authority-next-signing-key';
  values.ingress = {
    enabled: true,
    className: 'nginx',
    annotations: {},
    hosts: ['cp.example.com'],
    tls: [{ hosts: ['cp.example.com'], secretName: 'cp-tls' }],
  };
  values.controlPlane.autoscaling.enabled = true;
  values.metrics.serviceMonitor.enabled = true;
  values.metrics.prometheusRule.enabled = true;
  overrides(values);
  return values;
}

function byKind(manifests: Manifest[], kind: string, nameSuffix = ''): Manifest {
  const found = manifests.find((manifest) => manifest.kind === kind && String(manifest.metadata.name).endsWith(nameSuffix));
  if (!found) throw new Error(`no ${kind} named *${nameSuffix}`);
  return found;
}

function podSpecs(manifests: Manifest[]): { name: string; spec: Manifest }[] {
  return manifests.flatMap((manifest) => {
    if (manifest.kind === 'Pod') return [{ name: manifest.metadata.name, spec: manifest.spec }];
    if (manifest.kind === 'Deployment' || manifest.kind === 'Job') return [{ name: manifest.metadata.name, spec: manifest.spec.template.spec }];
    return [];
  });
}

const RESTRICTED_VOLUME_TYPES = ['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret'];

/** The checks of Pod Security "restricted" (latest) that a pod spec alone decides; returns what fails. */
function restrictedViolations(spec: Manifest): string[] {
  const problems: string[] = [];
  const pod = spec.securityContext ?? {};
  if (spec.hostNetwork || spec.hostPID || spec.hostIPC) problems.push('host namespaces');
  for (const volume of spec.volumes ?? []) {
    const type = Object.keys(volume).find((key) => key !== 'name');
    if (!RESTRICTED_VOLUME_TYPES.includes(type!)) problems.push(`volume ${volume.name}: ${type}`);
  }
  for (const container of [...(spec.initContainers ?? []), ...spec.containers]) {
    const context = container.securityContext ?? {};
    const where = `container ${container.name}`;
    if (context.privileged) problems.push(`${where}: privileged`);
    if (context.allowPrivilegeEscalation !== false) problems.push(`${where}: allowPrivilegeEscalation must be false`);
    if (!context.capabilities?.drop?.includes('ALL')) problems.push(`${where}: capabilities.drop must include ALL`);
    for (const added of context.capabilities?.add ?? []) if (added !== 'NET_BIND_SERVICE') problems.push(`${where}: adds ${added}`);
    if ((context.runAsNonRoot ?? pod.runAsNonRoot) !== true) problems.push(`${where}: runAsNonRoot`);
    if ((context.runAsUser ?? pod.runAsUser) === 0) problems.push(`${where}: runAsUser 0`);
    const seccomp = (context.seccompProfile ?? pod.seccompProfile)?.type;
    if (seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost') problems.push(`${where}: seccompProfile RuntimeDefault or Localhost`);
    for (const port of container.ports ?? []) if (port.hostPort) problems.push(`${where}: hostPort`);
  }
  return problems;
}

function containerEnv(container: Manifest): Record<string, string> {
  return Object.fromEntries((container.env ?? []).map((entry: { name: string; value: string }) => [entry.name, entry.value]));
}

describe('Helm chart (rendered without helm, validated against Kubernetes 1.33 schemas)', () => {
  const manifests = templates.render(fullValues()).map(({ manifest }) => manifest);

  it('values.yaml satisfies values.schema.json, which refuses unknown keys, a bad Redis URL and a secret in env', () => {
    expect(validateValues(defaults)).toBe(true);
    expect(validateValues(fullValues())).toBe(true);
    expect(validateValues({ ...defaults, replicas: 3 })).toBe(false);
    expect(validateValues(fullValues((values) => (values.redis.url = 'http://redis')))).toBe(false);
    expect(validateValues(fullValues((values) => (values.env.DATABASE_URL = 'postgres://x')))).toBe(false);
    expect(validateValues(fullValues((values) => (values.env.LOG_LEVEL = 3)))).toBe(false);
  });

  it('renders every object kind, and each one validates against its Kubernetes (or prometheus-operator) schema', () => {
    expect(manifests.map((manifest) => `${manifest.kind}/${manifest.metadata.name}`).sort()).toEqual([
      'ConfigMap/la-license-authority-env',
      'Deployment/la-license-authority-control-plane',
      'Deployment/la-license-authority-worker',
      'HorizontalPodAutoscaler/la-license-authority-control-plane',
      'Ingress/la-license-authority',
      'Job/la-license-authority-migrate',
      'NetworkPolicy/la-license-authority',
      'Pod/la-license-authority-test-ready',
      'PodDisruptionBudget/la-license-authority-control-plane',
      'PrometheusRule/la-license-authority',
      'Service/la-license-authority-control-plane',
      'Service/la-license-authority-worker',
      'ServiceAccount/la-license-authority',
      'ServiceMonitor/la-license-authority',
    ]);
    for (const manifest of manifests) {
      const Model = MODELS[`${manifest.apiVersion}/${manifest.kind}`];
      expect([manifest.kind, Model !== undefined]).toEqual([manifest.kind, true]);
      expect(() => new Model(manifest).validate()).not.toThrow();
    }
    // The validator is not a rubber stamp: a wrong type is refused.
    const broken = structuredClone(byKind(manifests, 'Deployment', '-worker'));
    broken.spec.template.spec.containers[0].ports[0].containerPort = 'metrics';
    expect(() => new appsV1.Deployment(broken as never).validate()).toThrow(/containerPort/);
  });

  it('every pod (control plane, worker, migration Job, helm test) meets Pod Security "restricted"', () => {
    const pods = podSpecs(manifests);
    expect(pods).toHaveLength(4);
    for (const { name, spec } of pods) {
      expect([name, restrictedViolations(spec)]).toEqual([name, []]);
      expect([name, spec.automountServiceAccountToken]).toEqual([name, false]);
      expect(spec.imagePullSecrets).toEqual([{ name: 'registry-credentials' }]);
      expect(spec.nodeSelector).toEqual({ 'kubernetes.io/os': 'linux' });
      expect(spec.tolerations).toHaveLength(1);
    }
    // The check itself catches what "restricted" forbids.
    const loose = structuredClone(pods[0].spec);
    delete loose.securityContext.seccompProfile;
    delete loose.containers[0].securityContext.seccompProfile;
    loose.containers[0].securityContext.capabilities.add = ['NET_ADMIN'];
    expect(restrictedViolations(loose)).toEqual([
      'container control-plane: adds NET_ADMIN',
      'container control-plane: seccompProfile RuntimeDefault or Localhost',
    ]);
  });

  it('control plane: 3 replicas spread over nodes and zones, a PDB, an HPA, metrics on their own port, migrations off at boot', () => {
    const noHpa = templates.render(fullValues((values) => (values.controlPlane.autoscaling.enabled = false))).map(({ manifest }) => manifest);
    expect(byKind(noHpa, 'Deployment', '-control-plane').spec.replicas).toBe(3);
    const deployment = byKind(manifests, 'Deployment', '-control-plane');
    expect(deployment.spec).not.toHaveProperty('replicas');
    expect(byKind(manifests, 'HorizontalPodAutoscaler').spec).toMatchObject({
      minReplicas: 3,
      scaleTargetRef: { kind: 'Deployment', name: deployment.metadata.name },
    });
    const pod = deployment.spec.template;
    const podLabels = pod.metadata.labels;
    const antiAffinity = pod.spec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm;
    expect(antiAffinity.topologyKey).toBe('kubernetes.io/hostname');
    expect(podLabels).toMatchObject(antiAffinity.labelSelector.matchLabels);
    expect(pod.spec.topologySpreadConstraints[0]).toMatchObject({ topologyKey: 'topology.kubernetes.io/zone', maxSkew: 1 });
    expect(podLabels).toMatchObject(byKind(manifests, 'PodDisruptionBudget').spec.selector.matchLabels);
    expect(podLabels).toMatchObject(deployment.spec.selector.matchLabels);

    const container = pod.spec.containers[0];
    expect(containerEnv(container)).toMatchObject({ MIGRATIONS_RUN_AT_BOOT: 'false', METRICS_PORT: '9464', PORT: '3000' });
    expect(container.ports).toEqual([
      { name: 'http', containerPort: 3000 },
      { name: 'metrics', containerPort: 9464 },
    ]);
    expect(pod.metadata.annotations).toMatchObject({ 'example.com/team': 'licensing', 'checksum/config': expect.stringMatching(/^[0-9a-f]{64}$/) });
    // The Ingress routes the API port only; /metrics is never public.
    const ingress = byKind(manifests, 'Ingress');
    expect(ingress.spec.rules[0].http.paths[0].backend.service).toEqual({ name: 'la-license-authority-control-plane', port: { name: 'http' } });
    expect(byKind(manifests, 'ServiceMonitor').spec.endpoints).toEqual([{ port: 'metrics', path: '/metrics', interval: '30s' }]);
    const policy = byKind(manifests, 'NetworkPolicy').spec;
    expect(policy.ingress[1]).toMatchObject({ ports: [{ port: 'metrics' }], from: [{ namespaceSelector: expect.any(Object) }] });
  });

  it('worker: liveness on /healthz of the metrics port; migration Job as a pre-install/pre-upgrade hook', () => {
    const worker = byKind(manifests, 'Deployment', '-worker').spec.template.spec.containers[0];
    expect(worker.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'metrics' });
    expect(worker.ports).toEqual([{ name: 'metrics', containerPort: 9464 }]);
    expect(containerEnv(worker).MIGRATIONS_RUN_AT_BOOT).toBe('false');
    const job = byKind(manifests, 'Job');
    expect(job.metadata.annotations).toMatchObject({
      'helm.sh/hook': 'pre-install,pre-upgrade',
      'helm.sh/hook-delete-policy': 'before-hook-creation,hook-succeeded',
    });
    const migrate = job.spec.template.spec.containers[0];
    expect(migrate.command.slice(-2)).toEqual(['dist/apps/cli/src/main.js', 'migrate']);
    // A hook runs before the release's ConfigMap and ServiceAccount exist.
    expect(JSON.stringify(job)).not.toContain('configMapRef');
    expect(job.spec.template.spec).not.toHaveProperty('serviceAccountName');
    expect(containerEnv(migrate)).toMatchObject({ NODE_ENV: 'production', REDIS_URL: 'redis://redis-master.data:6379' });
    expect(byKind(manifests, 'ServiceAccount').automountServiceAccountToken).toBe(false);
    // The key file is readable by its owner only (YAML 1.1 reads 0400 as octal, as Helm does).
    expect(byKind(manifests, 'Deployment', '-worker').spec.template.spec.volumes[0].secret.defaultMode).toBe(0o400);
  });

  it('a changed config or secrets.revision changes the pods checksum annotations (a rolling restart)', () => {
    const annotations = (values: Record<string, any>) =>
      byKind(
        templates.render(values).map(({ manifest }) => manifest),
        'Deployment',
        '-worker',
      ).spec.template.metadata.annotations;
    const before = annotations(fullValues());
    const config = annotations(fullValues((values) => (values.env.LOG_LEVEL = 'debug')));
    const secret = annotations(fullValues((values) => (values.secrets.revision = '2')));
    expect(config['checksum/config']).not.toBe(before['checksum/config']);
    expect(config['checksum/secrets']).toBe(before['checksum/secrets']);
    expect(secret['checksum/secrets']).not.toBe(before['checksum/secrets']);
  });

  it('REDIS_URL is a required value (the chart deploys no Redis); names follow nameOverride and fullnameOverride', () => {
    expect(() => templates.render(defaults)).toThrow(/redis\.url is required/);
    const renamed = templates.render(fullValues((values) => (values.fullnameOverride = 'licensing'))).map(({ manifest }) => manifest);
    expect(byKind(renamed, 'Deployment', '-control-plane').metadata.name).toBe('licensing-control-plane');
    const overridden = templates.render(fullValues((values) => (values.nameOverride = 'cp'))).map(({ manifest }) => manifest);
    expect(byKind(overridden, 'Deployment', '-control-plane').metadata.name).toBe('la-cp-control-plane');
    expect(byKind(overridden, 'Deployment', '-control-plane').spec.selector.matchLabels['app.kubernetes.io/name']).toBe('cp');
  });

  it('every variable of the config schema reaches the pods: ConfigMap, chart-set env or the environment Secret', () => {
    const configMap = byKind(manifests, 'ConfigMap');
    const chartSet = Object.keys(containerEnv(byKind(manifests, 'Deployment', '-control-plane').spec.template.spec.containers[0]));
    const reaching = new Set([...Object.keys(configMap.data), ...chartSet, ...defaults.secrets.environment.keys]);
    const missing = Object.keys(configSchema.shape).filter((name) => !reaching.has(name) && name !== 'CP_LICENSE_PRIVATE_KEY');
    expect(missing).toEqual([]);
    for (const name of Object.keys(configMap.data)) expect([name, name in configSchema.shape]).toEqual([name, true]);
    expect(configMap.data.REDIS_URL).toBe('redis://redis-master.data:6379');
  });

  it('PrometheusRule carries the rules of docker/observability; NOTES.txt renders', () => {
    const rules = parse(readFileSync(join(OBSERVABILITY, 'alert-rules.yml'), 'utf8'));
    expect(byKind(manifests, 'PrometheusRule').spec).toEqual(rules);
    const notes = templates.renderText('NOTES.txt', fullValues());
    expect(notes).toContain('helm test la -n licensing');
    expect(notes).toContain('https://cp.example.com');
  });

  it('templates only read values that exist', () => {
    const all = readdirSync(join(CHART, 'templates'), { recursive: true, encoding: 'utf8' })
      .filter((file) => /\.(yaml|tpl|txt)$/.test(file))
      .map((file) => readFileSync(join(CHART, 'templates', file), 'utf8'))
      .join('\n');
    for (const [, path] of all.matchAll(/\.Values\.([A-Za-z0-9_.]+)/g)) {
      const found = path.split('.').reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], defaults);
      expect([path, found !== undefined]).toEqual([path, true]);
    }
  });

  (spawnSync('helm', ['version'], { stdio: 'ignore' }).status === 0 ? it : it.skip)('`helm lint` passes', () => {
    expect(() => execFileSync('helm', ['lint', CHART, '--set', 'redis.url=redis://redis:6379'], { encoding: 'utf8' })).not.toThrow();
  });
});
