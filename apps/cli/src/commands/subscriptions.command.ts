import type { Command } from 'commander';
import { list, print, validated } from '../cli-io.js';
import { tenantIdArgument } from './tenants.command.js';

export function registerSubscriptionCommands(program: Command): void {
  const subscriptions = program.command('subscriptions').description("a tenant's subscription: plan, add-ons, billing interval, status and access");
  subscriptions
    .command('show')
    .description("the tenant's subscription and the access it gives (full, read_only, blocked)")
    .argument('<tenant>', 'tenant id')
    .action(async (id: string) => {
      const tenantId = await tenantIdArgument(id);
      const [{ withControlPlane }, { SubscriptionsService }, { subscriptionView }] = await Promise.all([
        import('../cli-context.js'),
        import('../../../control-plane/src/subscriptions/subscriptions.service.js'),
        import('../../../control-plane/src/subscriptions/subscription.view.js'),
      ]);
      print(subscriptionView(await withControlPlane((app) => app.get(SubscriptionsService).getForTenant(tenantId))));
    });
  subscriptions
    .command('set')
    .description('create or replace a subscription managed here (exit 1 when Stripe manages it)')
    .argument('<tenant>', 'tenant id')
    .requiredOption('--plan <id>', 'plan id (see plans list)')
    .requiredOption('--interval <interval>', 'billing interval: monthly or annual')
    .option('--addons <list>', 'comma-separated add-ons the plan offers (default: none)', list)
    .option('--status <status>', 'trialing, active, past_due, suspended or canceled (default: active)')
    .action(async (id: string, options: { plan: string; interval: string; addons?: string[]; status?: string }) => {
      const tenantId = await tenantIdArgument(id);
      const [{ cliActor, withControlPlane }, { putSubscriptionSchema }, { SubscriptionsService }, { subscriptionView }] = await Promise.all([
        import('../cli-context.js'),
        import('../../../control-plane/src/subscriptions/subscriptions.schemas.js'),
        import('../../../control-plane/src/subscriptions/subscriptions.service.js'),
        import('../../../control-plane/src/subscriptions/subscription.view.js'),
      ]);
      const input = validated(
        putSubscriptionSchema,
        { plan_id: options.plan, billing_interval: options.interval, addons: options.addons, status: options.status },
        { plan_id: '--plan', billing_interval: '--interval', addons: '--addons', status: '--status' },
      );
      print(subscriptionView(await withControlPlane((app) => app.get(SubscriptionsService).put(tenantId, input, cliActor()))));
    });
}
