import { z } from 'zod';
import type { EnforcementPolicy } from './enforcement.js';
import { machineFingerprint } from './machine-fingerprint.js';
import { insecureCpUrlProblem, PhoneHomeClient, type PhoneHomeOptions, type SdkTimer } from './phone-home-client.js';
import { consoleLogger, type SdkClock, type SdkLogger } from './sdk-logger.js';
import { TenantLicense } from './tenant-license.js';
import { loadTrustedKeys, loadTrustedKeysFromFile, type TrustedKeys } from './trusted-keys.js';

const flag = z
  .enum(['0', '1', 'true', 'false', ''])
  .optional()
  .transform((value) => value === '1' || value === 'true');
const optionalText = z
  .string()
  .optional()
  .transform((value) => (value?.trim() ? value.trim() : undefined));

/** The tenant plane's licensing variables (seed 000 names where it has them). */
export const tenantLicenseEnvSchema = z
  .object({
    ATLASAI_LICENSE_KEY: optionalText,
    CP_LICENSE_PUBLIC_KEY: optionalText,
    CP_LICENSE_PUBLIC_KEY_FILE: optionalText,
    ATLASAI_LICENSE_FILE: optionalText,
    ATLASAI_LICENSE_STATE_FILE: optionalText,
    ATLASAI_OFFLINE_MODE: flag,
    ATLASAI_CP_URL: z.url({ protocol: /^https?$/ }).optional(),
    ATLASAI_CP_ALLOW_INSECURE_HTTP: flag,
    LICENSE_PHONE_HOME_INTERVAL_MS: z.coerce.number().int().min(1000).default(86_400_000),
    LICENSE_ISSUER: z.string().min(1).default('https://cp.atlastechlab.com'),
    LICENSE_AUDIENCE: z.string().min(1).default('atlasai-tenant-plane'),
    ATLASAI_LICENSE_SKEW_SECONDS: z.coerce.number().int().min(0).max(86_400).default(300),
  })
  .superRefine((env, context) => {
    const problem = env.ATLASAI_CP_URL ? insecureCpUrlProblem(env.ATLASAI_CP_URL, env.ATLASAI_CP_ALLOW_INSECURE_HTTP) : undefined;
    if (problem) context.addIssue({ code: 'custom', path: ['ATLASAI_CP_URL'], message: problem });
  });
export type TenantLicenseEnv = z.infer<typeof tenantLicenseEnvSchema>;

/** Raised at boot for a bad variable; the message names every offending one. */
export class TenantLicenseConfigError extends Error {}

export interface TenantLicensingOptions {
  env?: Record<string, string | undefined>;
  tpVersion: string;
  policy?: Partial<EnforcementPolicy>;
  /** Named in module and limit refusals (default the AtlasAI customer portal). */
  upgradeUrl?: string;
  clock?: SdkClock;
  logger?: SdkLogger;
  fetch?: typeof fetch;
  timer?: SdkTimer;
  /** BYOC: current users, data volume and AI credits used, sent with each phone-home (see PhoneHomeOptions.usage). */
  usage?: PhoneHomeOptions['usage'];
}

export interface TenantLicensing {
  license: TenantLicense;
  /** Present when `ATLASAI_CP_URL` is set and offline mode is off; call `start()` after the app listens. */
  phoneHome: PhoneHomeClient | undefined;
  fingerprint: string;
}

/** Reads the environment, loads keys and license, logs the one `[license] Loaded from ...` line. */
export async function createTenantLicensing(options: TenantLicensingOptions): Promise<TenantLicensing> {
  const env = options.env ?? process.env;
  const parsed = tenantLicenseEnvSchema.safeParse(env);
  if (!parsed.success) {
    throw new TenantLicenseConfigError(parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('\n'));
  }
  const config = parsed.data;
  const logger = options.logger ?? consoleLogger;
  const machine = machineFingerprint(env);
  const fingerprint = machine.fingerprint;
  if (machine.source === 'hardware' && env.KUBERNETES_SERVICE_HOST) {
    // A pod's hostname and MAC change when it is rescheduled: the CP would see a second machine on the
    // installation (CLONE_SUSPECTED) and a license bound to the old code would stop loading.
    logger.warn(
      "[license] Running in Kubernetes without ATLASAI_MACHINE_ID: the machine locking code comes from the pod's hostname, disk and MAC, which change when the pod is rescheduled; set ATLASAI_MACHINE_ID to a stable id for this installation",
    );
  }
  const keys = await trustedKeysOf(config);
  const stateFile = config.ATLASAI_LICENSE_STATE_FILE ?? (config.ATLASAI_LICENSE_FILE ? `${config.ATLASAI_LICENSE_FILE}.state.json` : undefined);
  const license = await TenantLicense.load({
    keys,
    issuer: config.LICENSE_ISSUER,
    audience: config.LICENSE_AUDIENCE,
    tpVersion: options.tpVersion,
    offlineMode: config.ATLASAI_OFFLINE_MODE,
    token: config.ATLASAI_LICENSE_KEY,
    licenseFile: config.ATLASAI_LICENSE_FILE,
    stateFile,
    fingerprint,
    skewSeconds: config.ATLASAI_LICENSE_SKEW_SECONDS,
    policy: options.policy,
    upgradeUrl: options.upgradeUrl,
    clock: options.clock,
    logger,
  });
  if (!stateFile) {
    // Without a file a restart forgets the high-water mark, so a clock set back before it revives an expired license.
    logger.warn(
      '[license] Neither ATLASAI_LICENSE_STATE_FILE nor ATLASAI_LICENSE_FILE is set: the clock-rollback high-water mark and the newest license seen are kept in memory only and are lost on restart',
    );
  }
  const phoneHome =
    config.ATLASAI_CP_URL && !config.ATLASAI_OFFLINE_MODE
      ? new PhoneHomeClient({
          license,
          cpUrl: config.ATLASAI_CP_URL,
          allowInsecureHttp: config.ATLASAI_CP_ALLOW_INSECURE_HTTP,
          tpVersion: options.tpVersion,
          fingerprint,
          intervalMs: config.LICENSE_PHONE_HOME_INTERVAL_MS,
          usage: options.usage,
          fetch: options.fetch,
          clock: options.clock,
          timer: options.timer,
          logger,
        })
      : undefined;
  return { license, phoneHome, fingerprint };
}

async function trustedKeysOf(config: TenantLicenseEnv): Promise<TrustedKeys | undefined> {
  if (config.CP_LICENSE_PUBLIC_KEY && config.CP_LICENSE_PUBLIC_KEY_FILE) {
    throw new TenantLicenseConfigError('CP_LICENSE_PUBLIC_KEY and CP_LICENSE_PUBLIC_KEY_FILE are both set; set one.');
  }
  if (config.CP_LICENSE_PUBLIC_KEY) return loadTrustedKeys(config.CP_LICENSE_PUBLIC_KEY);
  if (config.CP_LICENSE_PUBLIC_KEY_FILE) return loadTrustedKeysFromFile(config.CP_LICENSE_PUBLIC_KEY_FILE);
  return undefined;
}
