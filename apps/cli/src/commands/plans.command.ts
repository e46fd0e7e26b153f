import type { Command } from 'commander';
import { CliUsageError, print } from '../cli-io.js';

export function registerPlanCommands(program: Command): void {
  const plans = program.command('plans').description('plans: limits, modules and add-ons a subscription or license can carry');
  plans
    .command('list')
    .description('every plan')
    .action(async () => {
      const [{ withControlPlane }, { PlansService }, { planView }] = await Promise.all([
        import('../cli-context.js'),
        import('../../../control-plane/src/plans/plans.service.js'),
        import('../../../control-plane/src/plans/plan.view.js'),
      ]);
      print((await withControlPlane((app) => app.get(PlansService).list())).map(planView));
    });
  plans
    .command('show')
    .description('one plan')
    .argument('<plan>', 'plan id (e.g. operations)')
    .action(async (id: string) => {
      const [{ withControlPlane }, { identifierSchema }, { PlansService }, { planView }] = await Promise.all([
        import('../cli-context.js'),
        import('@atlasai/license-core'),
        import('../../../control-plane/src/plans/plans.service.js'),
        import('../../../control-plane/src/plans/plan.view.js'),
      ]);
      if (!identifierSchema.safeParse(id).success)
        throw new CliUsageError('<plan>', `"${id}" is not a plan id (a lowercase letter, then a-z, 0-9, "_" or "-")`);
      print(planView(await withControlPlane((app) => app.get(PlansService).get(id))));
    });
}
