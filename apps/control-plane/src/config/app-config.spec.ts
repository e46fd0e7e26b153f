import { readFileSync } from 'node:fs';
import { ConfigError, configSchema, loadConfig } from './app-config.js';

describe('loadConfig', () => {
  it('runs on embedded defaults with nothing configured', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ NODE_ENV: 'development', PORT: 3000, MIGRATIONS_RUN_AT_BOOT: true });
    expect(config.DATABASE_URL).toBeUndefined();
  });

  it('names every offending variable', () => {
    expect(() => loadConfig({ PORT: 'eighty', DATABASE_URL: 'mysql://x', MIGRATIONS_RUN_AT_BOOT: 'yes' })).toThrow(ConfigError);
    try {
      loadConfig({ PORT: 'eighty', DATABASE_URL: 'mysql://x', MIGRATIONS_RUN_AT_BOOT: 'yes' });
    } catch (error) {
      const message = (error as Error).message;
      expect(message).toContain('PORT');
      expect(message).toContain('DATABASE_URL');
      expect(message).toContain('MIGRATIONS_RUN_AT_BOOT');
    }
  });

  it('reads DATABASE_LOCK_TIMEOUT_MS as milliseconds, 0 meaning no limit, and refuses what is not one', () => {
    expect(loadConfig({}).DATABASE_LOCK_TIMEOUT_MS).toBe(5_000);
    expect(loadConfig({ DATABASE_LOCK_TIMEOUT_MS: '0' }).DATABASE_LOCK_TIMEOUT_MS).toBe(0);
    for (const bad of ['-1', '2.5', 'five seconds', '600001']) {
      expect(() => loadConfig({ DATABASE_LOCK_TIMEOUT_MS: bad })).toThrow(/DATABASE_LOCK_TIMEOUT_MS: /);
    }
  });

  it('requires a real database in production', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/DATABASE_URL: is required when NODE_ENV=production/);
  });

  it('requires Redis and SMTP in production', () => {
    expect(() => loadConfig({ NODE_ENV: 'production', DATABASE_URL: 'postgres://db/la' })).toThrow(/REDIS_URL: is required[^]*SMTP_URL: is required/);
    expect(loadConfig({ NODE_ENV: 'production', DATABASE_URL: 'postgres://db/la', REDIS_URL: 'redis://r:6379', SMTP_URL: 'smtp://mail:25' })).toMatchObject({
      NOTIFICATIONS_WORKER_IN_PROCESS: true,
      LICENSE_EXPIRY_REMINDER_DAYS: [30, 7],
      PHONE_HOME_SILENCE_HOURS: 72,
    });
  });

  it('refuses two sources for the private key', () => {
    expect(() => loadConfig({ CP_LICENSE_PRIVATE_KEY: 'x', CP_LICENSE_PRIVATE_KEY_FILE: '/k.pem' })).toThrow(/not both/);
  });

  it('reads TRUST_PROXY as Express does: a flag, a hop count or a list of addresses', () => {
    expect(loadConfig({}).TRUST_PROXY).toEqual(['loopback']);
    expect(loadConfig({ TRUST_PROXY: 'false' }).TRUST_PROXY).toBe(false);
    expect(loadConfig({ TRUST_PROXY: '2' }).TRUST_PROXY).toBe(2);
    expect(loadConfig({ TRUST_PROXY: 'uniquelocal, 10.0.0.0/8' }).TRUST_PROXY).toEqual(['uniquelocal', '10.0.0.0/8']);
    expect(() => loadConfig({ TRUST_PROXY: 'everyone' })).toThrow(/TRUST_PROXY: must be true, false, a hop count/);
  });

  it('is documented: every variable is in .env.example and in the README configuration table', () => {
    const root = new URL('../../../../', import.meta.url);
    const example = readFileSync(new URL('.env.example', root), 'utf8');
    const readme = readFileSync(new URL('README.md', root), 'utf8');
    const table = readme.slice(readme.indexOf('## Configuration'), readme.indexOf('## Licenses'));
    const undocumented = Object.keys(configSchema.shape).filter((name) => !new RegExp(`^#? ?${name}=`, 'm').test(example) || !table.includes(`\`${name}\``));
    expect(undocumented).toEqual([]);
  });
});
