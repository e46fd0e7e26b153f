import { z } from 'zod';

const booleanFlag = z.enum(['true', 'false', '1', '0']).transform((value) => value === 'true' || value === '1');

const positiveInt = z.coerce.number().int().positive();

const PROXY_ADDRESS = /^(loopback|linklocal|uniquelocal|[0-9a-fA-F:.]+(\/\d{1,3})?)$/;

/**
 * Express's `trust proxy`: "true"/"false", a hop count, or a comma-separated list of addresses,
 * CIDR ranges and the names loopback, linklocal, uniquelocal.
 */
function trustProxySetting(value: string, ctx: z.RefinementCtx): boolean | number | string[] {
  if (value === 'true' || value === 'false') return value === 'true';
  if (/^\d+$/.test(value)) return Number(value);
  const entries = value.split(',').map((entry) => entry.trim());
  if (entries.every((entry) => PROXY_ADDRESS.test(entry))) return entries;
  ctx.addIssue({ code: 'custom', message: 'must be true, false, a hop count, or addresses/CIDRs/loopback/linklocal/uniquelocal separated by commas' });
  return z.NEVER;
}

const CONSOLE_ROLES = ['admin', 'support', 'viewer'] as const;

/** OIDC_ROLE_MAPPING: `group=role` pairs, comma-separated (`atlas-admins=admin,atlas-support=support`). */
function roleMapping(value: string, ctx: z.RefinementCtx): Record<string, (typeof CONSOLE_ROLES)[number]> {
  const mapping: Record<string, (typeof CONSOLE_ROLES)[number]> = {};
  for (const pair of value
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)) {
    const at = pair.lastIndexOf('=');
    const [group, role] = [pair.slice(0, at).trim(), pair.slice(at + 1).trim()];
    if (at <= 0 || !(CONSOLE_ROLES as readonly string[]).includes(role)) {
      ctx.addIssue({ code: 'custom', message: `"${pair}" must be group=role with role one of ${CONSOLE_ROLES.join(', ')}` });
      return z.NEVER;
    }
    mapping[group] = role as (typeof CONSOLE_ROLES)[number];
  }
  return mapping;
}

/** OIDC is all or nothing: an issuer needs its client, callback and role mapping. */
function oidcProblems(config: {
  NODE_ENV: string;
  OIDC_ISSUER_URL?: string;
  OIDC_CLIENT_ID?: string;
  OIDC_CLIENT_SECRET?: string;
  OIDC_CLIENT_SECRET_FILE?: string;
  OIDC_REDIRECT_URL?: string;
  OIDC_ROLE_MAPPING: Record<string, string>;
}): { path: string[]; message: string }[] {
  const problems: { path: string[]; message: string }[] = [];
  if (config.OIDC_CLIENT_SECRET && config.OIDC_CLIENT_SECRET_FILE) {
    problems.push({ path: ['OIDC_CLIENT_SECRET_FILE'], message: 'set either OIDC_CLIENT_SECRET or OIDC_CLIENT_SECRET_FILE, not both' });
  }
  if (!config.OIDC_ISSUER_URL) return problems;
  if (!config.OIDC_CLIENT_ID) problems.push({ path: ['OIDC_CLIENT_ID'], message: 'is required with OIDC_ISSUER_URL' });
  if (!config.OIDC_REDIRECT_URL) {
    problems.push({ path: ['OIDC_REDIRECT_URL'], message: 'is required with OIDC_ISSUER_URL (https://<this host>/api/v1/auth/oidc/callback)' });
  }
  if (Object.keys(config.OIDC_ROLE_MAPPING).length === 0) {
    problems.push({ path: ['OIDC_ROLE_MAPPING'], message: 'is required with OIDC_ISSUER_URL: map at least one IdP group to admin, support or viewer' });
  }
  if (config.NODE_ENV === 'production') {
    for (const key of ['OIDC_ISSUER_URL', 'OIDC_REDIRECT_URL'] as const) {
      if (config[key]?.startsWith('http:')) problems.push({ path: [key], message: 'must be https when NODE_ENV=production' });
    }
  }
  return problems;
}

/**
 * Every environment variable the control plane reads. `.env.example` documents each one;
 * keep the two in step.
 */
export const configSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
    HOST: z.string().min(1).default('0.0.0.0'),
    PORT: z.coerce.number().int().min(0).max(65_535).default(3000),
    METRICS_PORT: z.coerce.number().int().min(0).max(65_535).optional(),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    DATA_DIR: z.string().min(1).default('./data'),
    DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/, error: 'must be a postgres:// or postgresql:// URL' }).optional(),
    DATABASE_POOL_SIZE: positiveInt.default(10),
    DATABASE_LOCK_TIMEOUT_MS: z.coerce.number().int().min(0).max(600_000).default(5_000),
    MIGRATIONS_RUN_AT_BOOT: booleanFlag.default(true),
    BOOTSTRAP_ADMIN_TOKEN: booleanFlag.optional(),
    BODY_LIMIT_BYTES: positiveInt.max(10 * 1024 * 1024).default(64 * 1024),
    CP_LICENSE_PRIVATE_KEY: z.string().min(1).optional(),
    CP_LICENSE_PRIVATE_KEY_FILE: z.string().min(1).optional(),
    CP_LICENSE_NEXT_PRIVATE_KEY_FILE: z.string().min(1).optional(),
    LICENSE_ISSUER: z.string().min(1).default('https://cp.atlastechlab.com'),
    LICENSE_AUDIENCE: z.string().min(1).default('atlasai-tenant-plane'),
    LICENSE_VALIDITY_DAYS: positiveInt.max(3650).default(365),
    LICENSE_GRACE_PERIOD_DAYS: z.coerce.number().int().min(0).max(365).default(30),
    LICENSE_READ_ONLY_PERIOD_DAYS: z.coerce.number().int().min(0).max(365).default(30),
    LICENSE_CLOCK_SKEW_SECONDS: z.coerce.number().int().min(0).max(3_600).default(300),
    REDIS_URL: z.url({ protocol: /^rediss?$/, error: 'must be a redis:// or rediss:// URL' }).optional(),
    REDIS_KEY_PREFIX: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,32}$/, 'letters, digits, "_" and "-" only')
      .default('la'),
    SUPPORT_EMAIL: z.email('must be an email address').default('support@atlasai.com'),
    SMTP_URL: z.url({ protocol: /^smtps?$/, error: 'must be an smtp:// or smtps:// URL' }).optional(),
    MAIL_FROM: z.string().min(3).default('AtlasAI Licensing <licensing@atlastechlab.com>'),
    PORTAL_URL: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).default('http://localhost:3000/portal'),
    CONSOLE_URL: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).default('http://localhost:3000/console'),
    NOTIFICATIONS_WORKER_IN_PROCESS: booleanFlag.default(true),
    NOTIFICATION_MAX_ATTEMPTS: positiveInt.max(50).default(8),
    NOTIFICATION_RETRY_BASE_MS: positiveInt.max(3_600_000).default(30_000),
    NOTIFICATION_WORKER_CONCURRENCY: positiveInt.max(100).default(5),
    NOTIFICATION_RELAY_INTERVAL_MS: positiveInt.max(3_600_000).default(5_000),
    NOTIFICATION_RELAY_BATCH: positiveInt.max(1_000).default(100),
    NOTIFICATION_REQUEUE_AFTER_MS: positiveInt.default(600_000),
    NOTIFICATION_SWEEP_INTERVAL_MS: positiveInt.max(86_400_000).default(3_600_000),
    LICENSE_EXPIRY_REMINDER_DAYS: z
      .string()
      .default('30,7')
      .transform((value) => value.split(',').map((day) => Number(day.trim())))
      .pipe(z.array(z.number().int().min(1).max(365), { error: 'must be a comma-separated list of whole days' }).min(1)),
    PHONE_HOME_SILENCE_HOURS: positiveInt.max(8_760).default(72),
    PHONE_HOME_RENEWAL_VALIDITY_DAYS: positiveInt.max(3650).default(365),
    PHONE_HOME_RETRY_WINDOW_SECONDS: positiveInt.max(86_400).default(3_600),
    PHONE_HOME_FINGERPRINT_WINDOW_HOURS: positiveInt.max(8_760).default(24),
    PHONE_HOME_RATE_LIMIT_PER_ADDRESS: positiveInt.max(1_000_000).default(120),
    PHONE_HOME_RATE_LIMIT_PER_LICENSE: positiveInt.max(1_000_000).default(30),
    PHONE_HOME_MAX_TOKEN_BYTES: positiveInt.min(512).max(65_536).default(8_192),
    PHONE_HOME_RETENTION_DAYS: z.coerce.number().int().min(0).max(36_500).default(400),
    CORS_ORIGINS: z
      .string()
      .default('')
      .transform((value) =>
        value
          .split(',')
          .map((origin) => origin.trim())
          .filter(Boolean),
      )
      .pipe(z.array(z.url({ protocol: /^https?$/, error: 'must be a comma-separated list of http(s) origins' }))),
    STRIPE_SECRET_KEY: z
      .string()
      .regex(/^(sk|rk)_[A-Za-z0-9_]+$/, 'must be a Stripe secret or restricted key (sk_… or rk_…)')
      .optional(),
    STRIPE_WEBHOOK_SECRET: z
      .string()
      .regex(/^whsec_[A-Za-z0-9+/=_]+$/, 'must be a Stripe webhook signing secret (whsec_…)')
      .optional(),
    STRIPE_API_HOST: z.string().min(1).optional(),
    STRIPE_API_PORT: z.coerce.number().int().min(1).max(65_535).optional(),
    STRIPE_API_PROTOCOL: z.enum(['https', 'http']).default('https'),
    STRIPE_WEBHOOK_TOLERANCE_SECONDS: positiveInt.max(3_600).default(300),
    STRIPE_TIMEOUT_MS: positiveInt.min(1_000).max(80_000).default(10_000),
    STRIPE_MAX_NETWORK_RETRIES: z.coerce.number().int().min(0).max(5).default(2),
    STRIPE_WEBHOOK_BODY_LIMIT_BYTES: positiveInt.max(16 * 1024 * 1024).default(1024 * 1024),
    BILLING_GRACE_DAYS_MONTHLY: positiveInt.max(90).default(7),
    BILLING_GRACE_DAYS_ANNUAL: positiveInt.max(90).default(14),
    BILLING_SWEEP_INTERVAL_MS: positiveInt.max(86_400_000).default(300_000),
    BILLING_SWEEP_BATCH: positiveInt.max(1_000).default(100),
    GRACE_ENDING_NOTICE_DAYS: positiveInt.max(30).default(2),
    CHECKOUT_SUCCESS_URL: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).default('http://localhost:3000/portal?checkout=success'),
    CHECKOUT_CANCEL_URL: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).default('http://localhost:3000/portal?checkout=canceled'),
    LOGIN_LINK_TTL_MINUTES: positiveInt.max(1_440).default(30),
    BILLING_SESSION_TTL_MINUTES: positiveInt.max(1_440).default(60),
    LOGIN_LINK_REQUESTS_PER_HOUR: positiveInt.max(1_000).default(5),
    LOGIN_LINK_REQUESTS_PER_CLIENT_PER_HOUR: positiveInt.max(10_000).default(20),
    SHUTDOWN_TIMEOUT_MS: positiveInt.max(600_000).default(25_000),
    CLUSTER_WORKERS: positiveInt.max(256).default(1),
    SCHEDULES_ENABLED: booleanFlag.default(true),
    TRUST_PROXY: z
      .string()
      .default('loopback')
      .transform((value, ctx) => trustProxySetting(value, ctx)),
    API_TOKEN_DEFAULT_TTL_DAYS: positiveInt.max(3650).default(90),
    API_TOKEN_EXPIRY_NOTICE_DAYS: positiveInt.max(365).default(7),
    API_TOKEN_ROTATION_GRACE_SECONDS: z.coerce.number().int().min(0).max(86_400).default(60),
    OIDC_ISSUER_URL: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
    OIDC_CLIENT_ID: z.string().min(1).optional(),
    OIDC_CLIENT_SECRET: z.string().min(1).optional(),
    OIDC_CLIENT_SECRET_FILE: z.string().min(1).optional(),
    OIDC_REDIRECT_URL: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
    OIDC_SCOPES: z.string().min(1).default('openid email profile'),
    OIDC_ROLE_CLAIM: z.string().min(1).default('groups'),
    OIDC_ROLE_MAPPING: z
      .string()
      .default('')
      .transform((value, ctx) => roleMapping(value, ctx)),
    SESSION_IDLE_TIMEOUT_MINUTES: positiveInt.max(1_440).default(30),
    SESSION_ABSOLUTE_TIMEOUT_HOURS: positiveInt.max(720).default(12),
  })
  .superRefine((config, ctx) => {
    if (config.CP_LICENSE_PRIVATE_KEY && config.CP_LICENSE_PRIVATE_KEY_FILE) {
      ctx.addIssue({
        code: 'custom',
        path: ['CP_LICENSE_PRIVATE_KEY_FILE'],
        message: 'set either CP_LICENSE_PRIVATE_KEY or CP_LICENSE_PRIVATE_KEY_FILE, not both',
      });
    }
    if (config.CLUSTER_WORKERS > 1 && !config.DATABASE_URL) {
      ctx.addIssue({ code: 'custom', path: ['CLUSTER_WORKERS'], message: 'needs DATABASE_URL: the embedded database belongs to one process' });
    }
    if (config.CLUSTER_WORKERS > 1 && !config.CP_LICENSE_PRIVATE_KEY && !config.CP_LICENSE_PRIVATE_KEY_FILE) {
      ctx.addIssue({
        code: 'custom',
        path: ['CLUSTER_WORKERS'],
        message: 'needs CP_LICENSE_PRIVATE_KEY or CP_LICENSE_PRIVATE_KEY_FILE, so every worker signs with the same key',
      });
    }
    if (config.NODE_ENV === 'production' && !config.DATABASE_URL) {
      ctx.addIssue({ code: 'custom', path: ['DATABASE_URL'], message: 'is required when NODE_ENV=production (the embedded database is for development)' });
    }
    if (config.NODE_ENV === 'production' && !config.REDIS_URL) {
      ctx.addIssue({ code: 'custom', path: ['REDIS_URL'], message: 'is required when NODE_ENV=production (in-process delivery is for development)' });
    }
    if (config.NODE_ENV === 'production' && config.STRIPE_API_PROTOCOL === 'http') {
      ctx.addIssue({ code: 'custom', path: ['STRIPE_API_PROTOCOL'], message: 'must be https when NODE_ENV=production (http is for a local fake Stripe)' });
    }
    for (const problem of oidcProblems(config)) ctx.addIssue({ code: 'custom', ...problem });
    const retentionProblem = phoneHomeRetentionProblem(config);
    if (retentionProblem) ctx.addIssue({ code: 'custom', path: ['PHONE_HOME_RETENTION_DAYS'], message: retentionProblem });
    if (config.NODE_ENV === 'production' && !config.SMTP_URL) {
      ctx.addIssue({ code: 'custom', path: ['SMTP_URL'], message: 'is required when NODE_ENV=production (the .eml file sink is for development)' });
    }
  });

export type AppConfig = z.infer<typeof configSchema>;

/** Days of phone-home records the portal's active-use chart reads (the last 30 days), plus one. */
export const MIN_PHONE_HOME_RETENTION_DAYS = 31;

/**
 * The phone-home prune must leave every record a reader still needs: the active-use chart (30 days),
 * silence detection (PHONE_HOME_SILENCE_HOURS) and clone detection (PHONE_HOME_FINGERPRINT_WINDOW_HOURS).
 * The last call of each installation is kept whatever its age, by the prune itself.
 */
function phoneHomeRetentionProblem(config: {
  PHONE_HOME_RETENTION_DAYS: number;
  PHONE_HOME_SILENCE_HOURS: number;
  PHONE_HOME_FINGERPRINT_WINDOW_HOURS: number;
}): string | null {
  const days = config.PHONE_HOME_RETENTION_DAYS;
  if (days <= 0) return null;
  if (days < MIN_PHONE_HOME_RETENTION_DAYS) return `must be 0 (keep forever) or at least ${MIN_PHONE_HOME_RETENTION_DAYS} days (the active-use chart reads 30)`;
  const window = Math.max(config.PHONE_HOME_SILENCE_HOURS, config.PHONE_HOME_FINGERPRINT_WINDOW_HOURS);
  if (days * 24 <= window) return `must be longer than PHONE_HOME_SILENCE_HOURS and PHONE_HOME_FINGERPRINT_WINDOW_HOURS (${window} h), or 0 (keep forever)`;
  return null;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
  }
}

/** Parses the environment once; names every offending variable when it fails. */
export function loadConfig(env: Record<string, string | undefined>): AppConfig {
  const blanksRemoved = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const parsed = configSchema.safeParse(blanksRemoved);
  if (parsed.success) return parsed.data;
  throw new ConfigError(parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`));
}

export const APP_CONFIG = Symbol('APP_CONFIG');
