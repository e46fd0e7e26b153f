import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository, type EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import type { AuditActor } from '../auth/auth.decorators.js';
import { AppError } from '../common/app-error.js';
import { CLOCK, type Clock } from '../common/clock.js';
import { PlanEntity } from './plan.entity.js';
import type { CreatePlanInput, UpdatePlanInput } from './plans.schemas.js';

@Injectable()
export class PlansService {
  constructor(
    @InjectRepository(PlanEntity) private readonly plans: Repository<PlanEntity>,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly audit: AuditService,
  ) {}

  list(): Promise<PlanEntity[]> {
    return this.plans.find({ order: { id: 'ASC' } });
  }

  async get(id: string, manager: EntityManager = this.plans.manager): Promise<PlanEntity> {
    const plan = await manager.findOneBy(PlanEntity, { id });
    if (!plan) throw AppError.notFound('Plan', id, 'PLAN_NOT_FOUND');
    return plan;
  }

  async create(input: CreatePlanInput, by: AuditActor): Promise<PlanEntity> {
    return this.plans.manager.transaction(async (manager) => {
      if (await manager.existsBy(PlanEntity, { id: input.id })) throw AppError.conflict('PLAN_EXISTS', `Plan "${input.id}" already exists.`);
      const now = this.clock.now();
      const plan = manager.create(PlanEntity, {
        id: input.id,
        name: input.name,
        limits: input.limits,
        modules: input.modules,
        availableAddons: input.available_addons,
        createdAt: now,
        updatedAt: now,
      });
      await manager.insert(PlanEntity, plan);
      await this.audit.record(manager, by, 'plan.created', 'plan', plan.id, { ...input });
      return plan;
    });
  }

  async update(id: string, input: UpdatePlanInput, by: AuditActor): Promise<PlanEntity> {
    return this.plans.manager.transaction(async (manager) => {
      const plan = await this.get(id, manager);
      if (input.name !== undefined) plan.name = input.name;
      if (input.limits !== undefined) plan.limits = input.limits;
      if (input.modules !== undefined) plan.modules = input.modules;
      if (input.available_addons !== undefined) plan.availableAddons = input.available_addons;
      plan.updatedAt = this.clock.now();
      await manager.save(plan);
      await this.audit.record(manager, by, 'plan.updated', 'plan', id, { ...input });
      return plan;
    });
  }
}

/** Refuses add-ons the plan does not offer, naming each one. */
export function assertAddonsAvailable(plan: PlanEntity, addons: string[]): void {
  const unknown = addons.filter((addon) => !plan.availableAddons.includes(addon));
  if (unknown.length > 0) {
    throw new AppError(
      400,
      'UNKNOWN_ADDON',
      `Plan "${plan.id}" does not offer the add-on(s) ${unknown.join(', ')}; it offers: ${plan.availableAddons.join(', ') || 'none'}.`,
      {
        unknown,
        available: plan.availableAddons,
      },
    );
  }
}
