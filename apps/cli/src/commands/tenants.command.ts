import type { Command } from 'commander';
import { CliUsageError, integer, print, validated } from '../cli-io.js';

/** Positional tenant ids are checked with the API's own rule, so a typo is a usage error, not "not found". */
export async function tenantIdArgument(id: string): Promise<string> {
  const { tenantIdSchema } = await import('../../../control-plane/src/tenants/tenants.schemas.js');
  if (!tenantIdSchema.safeParse(id).success) throw new CliUsageError('<tenant>', `"${id}" is not a tenant id (2-63 characters of a-z, 0-9 and "-")`);
  return id;
}

export function registerTenantCommands(program: Command): void {
  const tenants = program.command('tenants').description('customers: list, show and create tenants');
  tenants
    .command('list')
    .description('tenants in id order')
    .option('--limit <n>', 'at most this many (1-500)', integer, 100)
    .option('--offset <n>', 'skip this many', integer, 0)
    .action(async (options: { limit: number; offset: number }) => {
      if (options.limit < 1 || options.limit > 500) throw new CliUsageError('--limit', 'must be between 1 and 500');
      const [{ withControlPlane }, { TenantsService }, { tenantView }] = await Promise.all([
        import('../cli-context.js'),
        import('../../../control-plane/src/tenants/tenants.service.js'),
        import('../../../control-plane/src/tenants/tenant.view.js'),
      ]);
      const page = await withControlPlane((app) => app.get(TenantsService).list(options.limit, options.offset));
      print({ items: page.items.map(tenantView), total: page.total });
    });
  tenants
    .command('show')
    .description('one tenant')
    .argument('<tenant>', 'tenant id')
    .action(async (id: string) => {
      const tenantId = await tenantIdArgument(id);
      const [{ withControlPlane }, { TenantsService }, { tenantView }] = await Promise.all([
        import('../cli-context.js'),
        import('../../../control-plane/src/tenants/tenants.service.js'),
        import('../../../control-plane/src/tenants/tenant.view.js'),
      ]);
      print(tenantView(await withControlPlane((app) => app.get(TenantsService).get(tenantId))));
    });
  tenants
    .command('create')
    .description('create a tenant (exit 1 when the id is taken)')
    .argument('<tenant>', 'tenant id: 2-63 characters of a-z, 0-9 and "-" (e.g. acme)')
    .requiredOption('--name <name>', 'display name')
    .requiredOption('--email <address>', 'contact email (billing and license emails go there)')
    .requiredOption('--mode <mode>', 'deployment mode: saas, dedicated, byoc or on_prem')
    .action(async (id: string, options: { name: string; email: string; mode: string }) => {
      const [{ cliActor, withControlPlane }, { createTenantSchema }, { TenantsService }, { tenantView }] = await Promise.all([
        import('../cli-context.js'),
        import('../../../control-plane/src/tenants/tenants.schemas.js'),
        import('../../../control-plane/src/tenants/tenants.service.js'),
        import('../../../control-plane/src/tenants/tenant.view.js'),
      ]);
      const input = validated(
        createTenantSchema,
        { id, name: options.name, contact_email: options.email, deployment_mode: options.mode },
        { id: '<tenant>', name: '--name', contact_email: '--email', deployment_mode: '--mode' },
      );
      print(tenantView(await withControlPlane((app) => app.get(TenantsService).create(input, cliActor()))));
    });
}
