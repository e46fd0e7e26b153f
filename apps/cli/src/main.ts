#!/usr/bin/env node
import 'reflect-metadata';
import { readFileSync, writeFileSync } from 'node:fs';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { CliUsageError, integer, isoDate, list, print, uuid, validated } from './cli-io.js';
import { registerPlanCommands } from './commands/plans.command.js';
import { registerRequestCommands } from './commands/requests.command.js';
import { registerSubscriptionCommands } from './commands/subscriptions.command.js';
import { registerTenantCommands } from './commands/tenants.command.js';
import { registerTokenCommands } from './commands/tokens.command.js';

// Heavy modules (Nest, TypeORM, zod, jose, the control plane) are imported inside the actions, so that
// `licensectl --help` and a usage error answer at once. Keep new imports there too.

function readText(path: string, option: string): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch (error) {
    throw new CliUsageError(option, `cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

const program = new Command('licensectl')
  .description('Support CLI of the AtlasAI License Authority: tokens, tenants, plans, subscriptions, license requests, licenses and keys')
  .exitOverride()
  .showSuggestionAfterError();

program
  .command('migrate')
  .description('apply pending database migrations under the migration advisory lock')
  .action(async () => {
    const [{ cliConfig, withCliDatabase }, { openDataSource, runMigrationsLocked }] = await Promise.all([
      import('./cli-context.js'),
      import('../../control-plane/src/database/data-source.factory.js'),
    ]);
    await withCliDatabase(await cliConfig(), async (config) => {
      const dataSource = await openDataSource(config, { migrate: false });
      try {
        print({ applied: await runMigrationsLocked(dataSource) });
      } finally {
        await dataSource.destroy();
      }
    });
  });

registerTokenCommands(program);

const keys = program.command('keys').description('signing keys');
keys
  .command('generate')
  .description('write a new RSA private key (PKCS#8 PEM, mode 600) and print its kid; point CP_LICENSE_PRIVATE_KEY_FILE at it to rotate')
  .requiredOption('--out <file>', 'where to write the private key (must not exist)')
  .option('--bits <bits>', 'RSA modulus length (2048 or more)', integer, 3072)
  .option('--public-out <file>', 'also write the public key PEM here')
  .action(async (options: { out: string; bits: number; publicOut?: string }) => {
    if (options.bits < 2048) throw new CliUsageError('--bits', 'must be at least 2048');
    const [{ createPublicKey }, { keyIdOf }, { generatePrivateKeyPem, writePrivateKeyPem }] = await Promise.all([
      import('node:crypto'),
      import('@atlasai/license-core'),
      import('../../control-plane/src/keys/signing-key.loader.js'),
    ]);
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
    if (options.bits < 2048) throw new CliUsageError('--bits', 'must be at least 2048');
    const [{ createPrivateKey }, { withControlPlane }, { generatePrivateKeyPem, writePrivateKeyPem }, { SigningKeyService }] = await Promise.all([
      import('node:crypto'),
      import('./cli-context.js'),
      import('../../control-plane/src/keys/signing-key.loader.js'),
      import('../../control-plane/src/keys/signing-key.service.js'),
    ]);
    const pem = generatePrivateKeyPem(options.bits);
    writePrivateKeyPem(options.out, pem);
    const staged = await withControlPlane((app) => app.get(SigningKeyService).stage(createPrivateKey(pem)));
    print({ private_key_file: options.out, kid: staged.kid, endorsed_by: staged.endorsedBy });
  });

program
  .command('fingerprint')
  .description("this machine's locking code for a license bound to it: SHA-256 of hostname, disk id and MAC (or of ATLASAI_MACHINE_ID)")
  .action(async () => {
    const { machineFingerprint } = await import('@atlasai/tenant-sdk');
    print(machineFingerprint(process.env));
  });

registerTenantCommands(program);
registerPlanCommands(program);
registerSubscriptionCommands(program);
registerRequestCommands(program);

const licenses = program.command('licenses').description('issue, list, revoke, inspect and verify licenses');
licenses
  .command('issue')
  .description('sign a new license for a tenant (plan and add-ons from its subscription unless given) and record it')
  .requiredOption('--tenant <id>', 'tenant id')
  .option('--mode <mode>', 'on_prem or byoc (default: the tenant deployment mode)')
  .option('--plan <id>', 'plan id (default: the subscription plan)')
  .option('--addons <list>', 'comma-separated add-ons (default: the subscription add-ons)', list)
  .option('--days <days>', 'validity in days', integer)
  .option('--fingerprint <code>', 'machine locking code the license is bound to')
  .option('--max-active-uses <n>', 'active-use cap', integer)
  .option('--replaces <license-id>', 'a license of the installation this one takes over (it becomes the lineage head)', uuid)
  .option('--environment <label>', 'the installation: prod, staging, dev, ...')
  .option('--out <file>', 'write the token to this file instead of printing it')
  .action(
    async (options: {
      tenant: string;
      mode?: string;
      plan?: string;
      addons?: string[];
      days?: number;
      fingerprint?: string;
      maxActiveUses?: number;
      replaces?: string;
      environment?: string;
      out?: string;
    }) => {
      const [{ cliActor, withControlPlane }, { issueLicenseSchema }, { LicenseIssuerService }, { licenseView }] = await Promise.all([
        import('./cli-context.js'),
        import('../../control-plane/src/licenses/licenses.schemas.js'),
        import('../../control-plane/src/licenses/license-issuer.service.js'),
        import('../../control-plane/src/licenses/license.view.js'),
      ]);
      const input = validated(
        issueLicenseSchema,
        {
          tenant_id: options.tenant,
          deployment_mode: options.mode,
          plan_id: options.plan,
          addons: options.addons,
          validity_days: options.days,
          fingerprint: options.fingerprint,
          max_active_uses: options.maxActiveUses,
          replaces: options.replaces,
          environment: options.environment,
        },
        {
          tenant_id: '--tenant',
          deployment_mode: '--mode',
          plan_id: '--plan',
          addons: '--addons',
          validity_days: '--days',
          fingerprint: '--fingerprint',
          max_active_uses: '--max-active-uses',
          replaces: '--replaces',
          environment: '--environment',
        },
      );
      const { token, license } = await withControlPlane((app) => app.get(LicenseIssuerService).issue(input, cliActor()));
      if (options.out) writeFileSync(options.out, `${token}\n`, { mode: 0o600 });
      print({ ...(options.out ? { token_file: options.out } : { token }), license: licenseView(license, new Date()) });
    },
  );
licenses
  .command('list')
  .description('recorded licenses, newest first (never the tokens)')
  .option('--tenant <id>', 'only this tenant')
  .option('--status <status>', 'active, superseded or revoked')
  .option('--expiring-before <date>', 'only licenses expiring before this ISO date (2027-01-31)', isoDate)
  .action(async (options: { tenant?: string; status?: string; expiringBefore?: string }) => {
    const [{ withControlPlane }, { listLicensesSchema }, { LicensesService }, { licenseView }] = await Promise.all([
      import('./cli-context.js'),
      import('../../control-plane/src/licenses/licenses.schemas.js'),
      import('../../control-plane/src/licenses/licenses.service.js'),
      import('../../control-plane/src/licenses/license.view.js'),
    ]);
    const query = validated(
      listLicensesSchema,
      { tenant_id: options.tenant, status: options.status, expiring_before: options.expiringBefore },
      { tenant_id: '--tenant', status: '--status', expiring_before: '--expiring-before' },
    );
    const rows = await withControlPlane((app) => app.get(LicensesService).list(query));
    print(rows.map((row) => licenseView(row, new Date())));
  });
licenses
  .command('show')
  .description('one license record: claims, status, lineage, revocation')
  .argument('<id>', 'license id (the jti)', uuid)
  .action(async (id: string) => {
    const [{ withControlPlane }, { LicensesService }, { licenseView }] = await Promise.all([
      import('./cli-context.js'),
      import('../../control-plane/src/licenses/licenses.service.js'),
      import('../../control-plane/src/licenses/license.view.js'),
    ]);
    print(licenseView(await withControlPlane((app) => app.get(LicensesService).get(id)), new Date()));
  });
licenses
  .command('revoke')
  .description('revoke a license: its phone-homes are refused (LICENSE_REVOKED) from then on')
  .argument('<id>', 'license id (the jti)', uuid)
  .requiredOption('--reason <text>', 'why it is revoked')
  .action(async (id: string, options: { reason: string }) => {
    const [{ cliActor, withControlPlane }, { revokeLicenseSchema }, { LicensesService }, { licenseView }] = await Promise.all([
      import('./cli-context.js'),
      import('../../control-plane/src/licenses/licenses.schemas.js'),
      import('../../control-plane/src/licenses/licenses.service.js'),
      import('../../control-plane/src/licenses/license.view.js'),
    ]);
    const { reason } = validated(revokeLicenseSchema, { reason: options.reason }, { reason: '--reason' });
    print(licenseView(await withControlPlane((app) => app.get(LicensesService).revoke(id, reason, cliActor())), new Date()));
  });
licenses
  .command('inspect')
  .description('what a tenant plane would conclude from a token, checked against every key this CP used (exit 1 when invalid)')
  .requiredOption('--token <file>', 'file holding the token')
  .action(async (options: { token: string }) => {
    const token = readText(options.token, '--token');
    const [{ withControlPlane }, { LicensesService }] = await Promise.all([
      import('./cli-context.js'),
      import('../../control-plane/src/licenses/licenses.service.js'),
    ]);
    const result = await withControlPlane((app) => app.get(LicensesService).inspect(token));
    print(result);
    if (!result.valid) process.exitCode = 1;
  });
licenses
  .command('verify')
  .description('verify a token fully offline with a public key, as an air-gapped tenant plane does (exit 1 when invalid)')
  .requiredOption('--public-key <file>', 'PEM public key (CP_LICENSE_PUBLIC_KEY)')
  .requiredOption('--token <file>', 'file holding the token')
  .option('--issuer <iss>', 'expected issuer (default: LICENSE_ISSUER)')
  .option('--audience <aud>', 'expected audience (default: LICENSE_AUDIENCE)')
  .action(async (options: { publicKey: string; token: string; issuer?: string; audience?: string }) => {
    const [{ createPublicKey }, { computeLicensePhase, keyIdOf, verifyLicenseToken }, { loadConfig }] = await Promise.all([
      import('node:crypto'),
      import('@atlasai/license-core'),
      import('../../control-plane/src/config/app-config.js'),
    ]);
    const config = loadConfig(process.env);
    let publicKey;
    try {
      publicKey = createPublicKey(readText(options.publicKey, '--public-key'));
    } catch (error) {
      if (error instanceof CliUsageError) throw error;
      throw new CliUsageError('--public-key', `${options.publicKey} is not a PEM public key`);
    }
    const kid = await keyIdOf(publicKey);
    const now = new Date();
    const result = await verifyLicenseToken(readText(options.token, '--token'), {
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

/** 0 success, 1 refused or invalid (the service said no, or the environment is wrong), 2 usage error. */
async function exitCodeFor(error: unknown): Promise<number> {
  if (error instanceof CommanderError) {
    // Commander has already printed its one-line message (or the help).
    return error.exitCode === 0 ? 0 : 2;
  }
  if (error instanceof CliUsageError || error instanceof InvalidArgumentError) {
    process.stderr.write(`error: ${error.message}\n`);
    return 2;
  }
  const [{ AppError }, { ConfigError }, { SigningKeyConfigError }] = await Promise.all([
    import('../../control-plane/src/common/app-error.js'),
    import('../../control-plane/src/config/app-config.js'),
    import('../../control-plane/src/keys/signing-key.loader.js'),
  ]);
  if (error instanceof AppError) {
    process.stderr.write(`error ${error.code}: ${error.message}\n`);
    return error.code === 'VALIDATION_FAILED' ? 2 : 1;
  }
  if (error instanceof ConfigError || error instanceof SigningKeyConfigError) process.stderr.write(`${error.message}\n`);
  else process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
  return 1;
}

program.parseAsync(process.argv).catch(async (error: unknown) => {
  process.exitCode = await exitCodeFor(error);
});
