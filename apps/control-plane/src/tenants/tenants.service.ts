import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository, type EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import type { AuditActor } from '../auth/auth.decorators.js';
import { AppError } from '../common/app-error.js';
import { CLOCK, type Clock } from '../common/clock.js';
import { TenantEntity } from './tenant.entity.js';
import type { CreateTenantInput, UpdateTenantInput } from './tenants.schemas.js';

@Injectable()
export class TenantsService {
  constructor(
    @InjectRepository(TenantEntity) private readonly tenants: Repository<TenantEntity>,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly audit: AuditService,
  ) {}

  /** A page of tenants in id order, after the keyset cursor when given; `total` counts every match of `search`. */
  async list(limit: number, offset: number, search?: string, after?: string): Promise<{ items: TenantEntity[]; total: number }> {
    const matching = this.tenants.createQueryBuilder('tenant');
    if (search !== undefined) {
      const pattern = `%${search.replace(/[\\%_]/g, (character) => `\\${character}`)}%`;
      matching.andWhere('(tenant.id ILIKE :pattern OR tenant.name ILIKE :pattern OR tenant.contact_email ILIKE :pattern)', { pattern });
    }
    const page = matching.clone().orderBy('tenant.id', 'ASC').take(limit).skip(offset);
    if (after) page.andWhere('tenant.id > :after', { after });
    const [items, total] = await Promise.all([page.getMany(), matching.getCount()]);
    return { items, total };
  }

  async get(id: string, manager: EntityManager = this.tenants.manager): Promise<TenantEntity> {
    const tenant = await manager.findOneBy(TenantEntity, { id });
    if (!tenant) throw AppError.notFound('Tenant', id, 'TENANT_NOT_FOUND');
    return tenant;
  }

  async create(input: CreateTenantInput, by: AuditActor): Promise<TenantEntity> {
    return this.tenants.manager.transaction(async (manager) => {
      if (await manager.existsBy(TenantEntity, { id: input.id })) throw AppError.conflict('TENANT_EXISTS', `Tenant "${input.id}" already exists.`);
      const now = this.clock.now();
      const tenant = manager.create(TenantEntity, {
        id: input.id,
        name: input.name,
        contactEmail: input.contact_email,
        deploymentMode: input.deployment_mode,
        createdAt: now,
        updatedAt: now,
      });
      await manager.insert(TenantEntity, tenant);
      await this.audit.record(manager, by, 'tenant.created', 'tenant', tenant.id, { ...input });
      return tenant;
    });
  }

  async update(id: string, input: UpdateTenantInput, by: AuditActor): Promise<TenantEntity> {
    return this.tenants.manager.transaction(async (manager) => {
      const tenant = await this.get(id, manager);
      if (input.name !== undefined) tenant.name = input.name;
      if (input.contact_email !== undefined) tenant.contactEmail = input.contact_email;
      if (input.deployment_mode !== undefined) tenant.deploymentMode = input.deployment_mode;
      tenant.updatedAt = this.clock.now();
      await manager.save(tenant);
      await this.audit.record(manager, by, 'tenant.updated', 'tenant', id, { ...input });
      return tenant;
    });
  }
}
