import type { Command } from 'commander';
import { integer, print, uuid, validated } from '../cli-io.js';

/** Support's side of license requests: the queue, approve (issues the license), decline (the customer reads why). */
export function registerRequestCommands(program: Command): void {
  const requests = program.command('requests').description('license requests from customers: list, approve, decline');
  requests
    .command('list')
    .description('requests oldest first, with the count per status')
    .option('--status <status>', 'open, approved, declined or canceled')
    .option('--tenant <id>', 'only this tenant')
    .option('--kind <kind>', 'new, renewal, upgrade or replacement')
    .option('--limit <n>', 'at most this many (1-200)', integer, 50)
    .option('--cursor <cursor>', 'next_cursor of the previous page')
    .action(async (options: { status?: string; tenant?: string; kind?: string; limit: number; cursor?: string }) => {
      const [{ withControlPlane }, { listLicenseRequestsSchema }, { LicenseRequestsService }, { licenseRequestView }] = await Promise.all([
        import('../cli-context.js'),
        import('../../../control-plane/src/license-requests/license-requests.schemas.js'),
        import('../../../control-plane/src/license-requests/license-requests.service.js'),
        import('../../../control-plane/src/license-requests/license-request.view.js'),
      ]);
      const query = validated(
        listLicenseRequestsSchema,
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
      const [{ writeFileSync }, { cliActor, withControlPlane }, { approveLicenseRequestSchema }, { LicenseRequestsService }, { licenseRequestView }] =
        await Promise.all([
          import('node:fs'),
          import('../cli-context.js'),
          import('../../../control-plane/src/license-requests/license-requests.schemas.js'),
          import('../../../control-plane/src/license-requests/license-requests.service.js'),
          import('../../../control-plane/src/license-requests/license-request.view.js'),
        ]);
      const edits = validated(
        approveLicenseRequestSchema,
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
      const [{ cliActor, withControlPlane }, { declineLicenseRequestSchema }, { LicenseRequestsService }, { licenseRequestView }] = await Promise.all([
        import('../cli-context.js'),
        import('../../../control-plane/src/license-requests/license-requests.schemas.js'),
        import('../../../control-plane/src/license-requests/license-requests.service.js'),
        import('../../../control-plane/src/license-requests/license-request.view.js'),
      ]);
      const { reason } = validated(declineLicenseRequestSchema, { reason: options.reason }, { reason: '--reason' });
      print(licenseRequestView(await withControlPlane((app) => app.get(LicenseRequestsService).decline(id, reason, cliActor()))));
    });
}
