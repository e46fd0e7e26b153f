import type { Command } from 'commander';
import { integer, list, print, uuid, validated } from '../cli-io.js';

/** Loaded when a command runs, never for `--help`. */
async function requestModules() {
  const [{ cliActor, withControlPlane }, schemas, { LicenseRequestsService }, { licenseRequestView }] = await Promise.all([
    import('../cli-context.js'),
    import('../../../control-plane/src/license-requests/license-requests.schemas.js'),
    import('../../../control-plane/src/license-requests/license-requests.service.js'),
    import('../../../control-plane/src/license-requests/license-request.view.js'),
  ]);
  return { cliActor, withControlPlane, schemas, LicenseRequestsService, licenseRequestView };
}

/** Support's side of license requests: file one for a customer, the queue, approve (issues the license), decline. */
export function registerRequestCommands(program: Command): void {
  const requests = program.command('requests').description('license requests from customers: create, list, approve, decline');
  requests
    .command('create')
    .description("file a request on a customer's behalf (support is emailed, as when the customer asks in the portal)")
    .requiredOption('--tenant <id>', 'the tenant asking')
    .requiredOption('--kind <kind>', 'new, renewal, upgrade or replacement')
    .option('--mode <mode>', "byoc or on_prem (default: the replaced license's, else the tenant's)")
    .option('--environment <name>', "the installation's environment (prod, staging, ...)")
    .option('--fingerprint <code>', 'the machine locking code from `licensectl fingerprint`')
    .option('--plan <id>', "another plan than the subscription's (kind upgrade)")
    .option('--addons <list>', 'comma-separated add-ons', list)
    .option('--replaces <license-id>', 'the license a renewal or replacement takes over', uuid)
    .option('--note <text>', 'what the customer said')
    .action(
      async (options: {
        tenant: string;
        kind: string;
        mode?: string;
        environment?: string;
        fingerprint?: string;
        plan?: string;
        addons?: string[];
        replaces?: string;
        note?: string;
      }) => {
        const { cliActor, withControlPlane, schemas, LicenseRequestsService, licenseRequestView } = await requestModules();
        const input = validated(
          schemas.createLicenseRequestSchema,
          {
            tenant_id: options.tenant,
            kind: options.kind,
            deployment_mode: options.mode,
            environment: options.environment,
            fingerprint: options.fingerprint,
            plan_id: options.plan,
            addons: options.addons,
            replaces_license_id: options.replaces,
            note: options.note,
          },
          {
            tenant_id: '--tenant',
            kind: '--kind',
            deployment_mode: '--mode',
            environment: '--environment',
            fingerprint: '--fingerprint',
            plan_id: '--plan',
            addons: '--addons',
            replaces_license_id: '--replaces',
            note: '--note',
          },
        );
        print(licenseRequestView(await withControlPlane((app) => app.get(LicenseRequestsService).create(input, cliActor()))));
      },
    );
  requests
    .command('list')
    .description('requests oldest first, with the count per status')
    .option('--status <status>', 'open, approved, declined or canceled')
    .option('--tenant <id>', 'only this tenant')
    .option('--kind <kind>', 'new, renewal, upgrade or replacement')
    .option('--limit <n>', 'at most this many (1-200)', integer, 50)
    .option('--cursor <cursor>', 'next_cursor of the previous page')
    .action(async (options: { status?: string; tenant?: string; kind?: string; limit: number; cursor?: string }) => {
      const { withControlPlane, schemas, LicenseRequestsService, licenseRequestView } = await requestModules();
      const query = validated(
        schemas.listLicenseRequestsSchema,
        { status: options.status, tenant_id: options.tenant, kind: options.kind, limit: options.limit, cursor: options.cursor },
        { status: '--status', tenant_id: '--tenant', kind: '--kind', limit: '--limit', cursor: '--cursor' },
      );
      const page = await withControlPlane((app) => app.get(LicenseRequestsService).list(query));
      print({ ...page, items: page.items.map(licenseRequestView) });
    });
  requests
    .command('approve')
    .description("issue the license on the request's terms (optionally edited) and email it to the customer")
    .argument('<id>', 'request id (from requests list)', uuid)
    .option('--plan <id>', 'approve another plan than requested, on purpose')
    .option('--days <days>', 'validity in days', integer)
    .option('--max-active-uses <n>', 'active-use cap', integer)
    .option('--note <text>', 'a note kept with the decision')
    .option('--out <file>', 'write the token to this file instead of printing it')
    .action(async (id: string, options: { plan?: string; days?: number; maxActiveUses?: number; note?: string; out?: string }) => {
      const [{ writeFileSync }, { cliActor, withControlPlane, schemas, LicenseRequestsService, licenseRequestView }] = await Promise.all([
        import('node:fs'),
        requestModules(),
      ]);
      const edits = validated(
        schemas.approveLicenseRequestSchema,
        { plan_id: options.plan, validity_days: options.days, max_active_uses: options.maxActiveUses, note: options.note },
        { plan_id: '--plan', validity_days: '--days', max_active_uses: '--max-active-uses', note: '--note' },
      );
      const { request, issued } = await withControlPlane((app) => app.get(LicenseRequestsService).approve(id, edits, cliActor()));
      if (options.out) writeFileSync(options.out, `${issued.token}\n`, { mode: 0o600 });
      print({ request: licenseRequestView(request), ...(options.out ? { token_file: options.out } : { token: issued.token }) });
    });
  requests
    .command('decline')
    .description('decline with a reason; the customer is emailed the reason')
    .argument('<id>', 'request id (from requests list)', uuid)
    .requiredOption('--reason <text>', 'why (the customer reads it)')
    .action(async (id: string, options: { reason: string }) => {
      const { cliActor, withControlPlane, schemas, LicenseRequestsService, licenseRequestView } = await requestModules();
      const { reason } = validated(schemas.declineLicenseRequestSchema, { reason: options.reason }, { reason: '--reason' });
      print(licenseRequestView(await withControlPlane((app) => app.get(LicenseRequestsService).decline(id, reason, cliActor()))));
    });
}
