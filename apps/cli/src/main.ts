import 'reflect-metadata';
import { readFileSync, writeFileSync } from 'node:fs';
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { Command, InvalidArgumentError } from 'commander';
import { computeLicensePhase, keyIdOf, verifyLicenseToken } from '../../../libs/license-core/src/index.js';
import { machineFingerprint } from '../../../libs/tenant-sdk/src/machine-fingerprint.js';
import { ApiTokenService } from '../../control-plane/src/auth/api-token.service.js';
import { STAFF_ROLES, type StaffRole } from '../../control-plane/src/auth/api-token.entity.js';
import { AppError } from '../../control-plane/src/common/app-error.js';
import { ConfigError, loadConfig } from '../../control-plane/src/config/app-config.js';
import { openDataSource, runMigrationsLocked } from '../../control-plane/src/database/data-source.factory.js';
import { generatePrivateKeyPem, SigningKeyConfigError, writePrivateKeyPem } from '../../control-plane/src/keys/signing-key.loader.js';
import { SigningKeyService } from '../../control-plane/src/keys/signing-key.service.js';
import { LicenseIssuerService } from '../../control-plane/src/licenses/license-issuer.service.js';
import { issueLicenseSchema, listLicensesSchema } from '../../control-plane/src/licenses/licenses.schemas.js';
import { LicensesService } from '../../control-plane/src/licenses/licenses.service.js';
import { licenseView } from '../../control-plane/src/licenses/license.view.js';
import { ZodPipe } from '../../control-plane/src/common/zod-body.pipe.js';
import { cliActor, withControlPlane } from './cli-context.js';

function print(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

function integer(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('must be a whole number');
  return Number(value);
}

function role(value: string): StaffRole {
  if (!(STAFF_ROLES as readonly string[]).includes(value)) throw new InvalidArgumentError(`must be one of ${STAFF_ROLES.join(', ')}`);
  return value as StaffRole;
}

function readText(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch (error) {
    throw new AppError(2, 'FILE_UNREADABLE', `cannot read the ${what} file ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

const program = new Command('licensectl').description('Support CLI of the AtlasAI License Authority').showHelpAfterError();

program
  .command('migrate')
  .description('apply pending database migrations under the migration advisory lock')
  .action(async () => {
    const dataSource = await openDataSource(loadConfig(process.env), { migrate: false });
    try {
      print({ applied: await runMigrationsLocked(dataSource) });
    } finally {
      await dataSource.destroy();
    }
  });

const tokens = program.command('tokens').description('staff API tokens');
tokens
  .command('create')
  .description('create an API token; it is printed once and stored only as a hash')
  .requiredOption('--role <role>', `one of ${STAFF_ROLES.join(', ')}`, role)
  .option('--name <name>', 'who or what holds it', 'cli')
  .option('--tenant <id>', 'the tenant a service token belongs to (required for --role service)')
  .action(async (options: { role: StaffRole; name: string; tenant?: string }) => {
    const created = await withControlPlane((app) =>
      app.get(ApiTokenService).create({ name: options.name, role: options.role, tenantId: options.tenant }, cliActor()),
    );
    print({ token: created.token, ...created.record });
  });
tokens.command('list').action(async () => print(await withControlPlane((app) => app.get(ApiTokenService).list())));
tokens.command('revoke <id>').action(async (id: string) => print(await withControlPlane((app) => app.get(ApiTokenService).revoke(id, cliActor()))));

const keys = program.command('keys').description('signing keys');
keys
  .command('generate')
  .description('write a new RSA private key (PKCS#8 PEM, mode 600) and print its kid; point CP_LICENSE_PRIVATE_KEY_FILE at it to rotate')
  .requiredOption('--out <file>', 'where to write the private key (must not exist)')
  .option('--bits <bits>', 'RSA modulus length (2048 or more)', integer, 3072)
  .option('--public-out <file>', 'also write the public key PEM here')
  .action(async (options: { out: string; bits: number; publicOut?: string }) => {
    if (options.bits < 2048) throw new InvalidArgumentError('--bits must be at least 2048');
    const pem = generatePrivateKeyPem(options.bits);
    writePrivateKeyPem(options.out, pem);
    const publicKey = createPublicKey(pem);
    if (options.publicOut) writeFileSync(options.publicOut, publicKey.export({ type: 'spki', format: 'pem' }));
    print({ private_key_file: options.out, public_key_file: options.publicOut ?? null, kid: await keyIdOf(publicKey) });
  });
keys
  .command('rotate')
  .description('write the next private key and publish it endorsed by the active key; then make it CP_LICENSE_PRIVATE_KEY_FILE (README runbook)')
  .requiredOption('--out <file>', 'where to write the next private key (must not exist)')
  .option('--bits <bits>', 'RSA modulus length (2048 or more)', integer, 3072)
  .action(async (options: { out: string; bits: number }) => {
    if (options.bits < 2048) throw new InvalidArgumentError('--bits must be at least 2048');
    const pem = generatePrivateKeyPem(options.bits);
    writePrivateKeyPem(options.out, pem);
    const staged = await withControlPlane((app) => app.get(SigningKeyService).stage(createPrivateKey(pem)));
    print({ private_key_file: options.out, kid: staged.kid, endorsed_by: staged.endorsedBy });
  });

program
  .command('fingerprint')
  .description("this machine's locking code for a license bound to it: SHA-256 of hostname, disk id and MAC (or of ATLASAI_MACHINE_ID)")
  .action(() => print(machineFingerprint(process.env)));

const licenses = program.command('licenses').description('issue, list, revoke, inspect and verify licenses');
licenses
  .command('issue')
  .requiredOption('--tenant <id>', 'tenant id')
  .option('--mode <mode>', 'on_prem or byoc (default: the tenant deployment mode)')
  .option('--plan <id>', 'plan id (default: the subscription plan)')
  .option('--addons <list>', 'comma-separated add-ons (default: the subscription add-ons)')
  .option('--days <days>', 'validity in days', integer)
  .option('--fingerprint <code>', 'machine locking code the license is bound to')
  .option('--max-active-uses <n>', 'active-use cap', integer)
  .option('--replaces <license-id>', 'a license of the installation this one takes over (it becomes the lineage head)')
  .option('--environment <label>', 'the installation: prod, staging, dev, ...')
  .option('--out <file>', 'write the token to this file instead of printing it')
  .action(
    async (options: {
      tenant: string;
      mode?: string;
      plan?: string;
      addons?: string;
      days?: number;
      fingerprint?: string;
      maxActiveUses?: number;
      replaces?: string;
      environment?: string;
      out?: string;
    }) => {
      const input = new ZodPipe(issueLicenseSchema, 'command options').transform({
        tenant_id: options.tenant,
        deployment_mode: options.mode,
        plan_id: options.plan,
        addons: options.addons
          ?.split(',')
          .map((addon) => addon.trim())
          .filter(Boolean),
        validity_days: options.days,
        fingerprint: options.fingerprint,
        max_active_uses: options.maxActiveUses,
        replaces: options.replaces,
        environment: options.environment,
      });
      const { token, license } = await withControlPlane((app) => app.get(LicenseIssuerService).issue(input, cliActor()));
      if (options.out) writeFileSync(options.out, `${token}\n`, { mode: 0o600 });
      print({ ...(options.out ? { token_file: options.out } : { token }), license: licenseView(license, new Date()) });
    },
  );
licenses
  .command('list')
  .option('--tenant <id>')
  .option('--status <status>', 'active, superseded or revoked')
  .option('--expiring-before <date>', 'ISO date')
  .action(async (options: { tenant?: string; status?: string; expiringBefore?: string }) => {
    const query = new ZodPipe(listLicensesSchema, 'command options').transform({
      tenant_id: options.tenant,
      status: options.status,
      expiring_before: options.expiringBefore,
    });
    const rows = await withControlPlane((app) => app.get(LicensesService).list(query));
    print(rows.map((row) => licenseView(row, new Date())));
  });
licenses.command('show <id>').action(async (id: string) => print(licenseView(await withControlPlane((app) => app.get(LicensesService).get(id)), new Date())));
licenses
  .command('revoke <id>')
  .requiredOption('--reason <text>', 'why it is revoked')
  .action(async (id: string, options: { reason: string }) => {
    print(licenseView(await withControlPlane((app) => app.get(LicensesService).revoke(id, options.reason, cliActor())), new Date()));
  });
licenses
  .command('inspect')
  .description('what a tenant plane would conclude from a token, checked against every key this CP used')
  .requiredOption('--token <file>', 'file holding the token')
  .action(async (options: { token: string }) => {
    const token = readText(options.token, 'token');
    print(await withControlPlane((app) => app.get(LicensesService).inspect(token)));
  });
licenses
  .command('verify')
  .description('verify a token fully offline with a public key, as an air-gapped tenant plane does')
  .requiredOption('--public-key <file>', 'PEM public key (CP_LICENSE_PUBLIC_KEY)')
  .requiredOption('--token <file>', 'file holding the token')
  .option('--issuer <iss>', 'expected issuer (default: LICENSE_ISSUER)')
  .option('--audience <aud>', 'expected audience (default: LICENSE_AUDIENCE)')
  .action(async (options: { publicKey: string; token: string; issuer?: string; audience?: string }) => {
    const config = loadConfig(process.env);
    let publicKey;
    try {
      publicKey = createPublicKey(readText(options.publicKey, 'public key'));
    } catch (error) {
      if (error instanceof AppError) throw error;
      throw new AppError(2, 'PUBLIC_KEY_INVALID', `${options.publicKey} is not a PEM public key`);
    }
    const kid = await keyIdOf(publicKey);
    const now = new Date();
    const result = await verifyLicenseToken(readText(options.token, 'token'), {
      keys: (tokenKid) => (tokenKid === undefined || tokenKid === kid ? publicKey : undefined),
      issuer: options.issuer ?? config.LICENSE_ISSUER,
      audience: options.audience ?? config.LICENSE_AUDIENCE,
      now,
    });
    if (!result.valid) {
      print({ valid: false, status: 'invalid', reason: result.reason, message: result.message });
      process.exitCode = 1;
      return;
    }
    const phase = computeLicensePhase(result.claims, now);
    print({ valid: true, status: phase.status, days_remaining: phase.days_remaining, claims: result.claims });
  });

program.parseAsync(process.argv).catch((error: unknown) => {
  if (error instanceof AppError) process.stderr.write(`error ${error.code}: ${error.message}\n`);
  else if (error instanceof ConfigError || error instanceof SigningKeyConfigError) process.stderr.write(`${error.message}\n`);
  else process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 2;
});
