import type { PlanEntity } from './plan.entity.js';

export function planView(plan: PlanEntity) {
  return {
    id: plan.id,
    name: plan.name,
    limits: plan.limits,
    modules: plan.modules,
    available_addons: plan.availableAddons,
    created_at: plan.createdAt,
    updated_at: plan.updatedAt,
  };
}
