import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { IsNull, Repository, type EntityManager } from 'typeorm';
import { AppError } from '../common/app-error.js';
import { CLOCK, type Clock } from '../common/clock.js';
import { AuditService } from '../audit/audit.service.js';
import type { AuditActor } from './auth.decorators.js';
import { TenantEntity } from '../tenants/tenant.entity.js';
import { ApiTokenEntity, type StaffRole } from './api-token.entity.js';

const TOKEN_PREFIX = 'la_';
const LAST_USED_RESOLUTION_MS = 60_000;

export interface CreatedApiToken {
  token: string;
  record: ApiTokenView;
}

export type ApiTokenView = Omit<ApiTokenEntity, 'tokenHash'>;

/** Staff API tokens: random, shown once, stored as a SHA-256 hash. */
@Injectable()
export class ApiTokenService {
  constructor(
    @InjectRepository(ApiTokenEntity) private readonly tokens: Repository<ApiTokenEntity>,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly audit: AuditService,
  ) {}

  async create(input: { name: string; role: StaffRole; tenantId?: string }, by: AuditActor): Promise<CreatedApiToken> {
    assertTenantScopeFits(input.role, input.tenantId);
    const token = `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
    return this.tokens.manager.transaction(async (manager) => {
      if (input.tenantId && !(await manager.existsBy(TenantEntity, { id: input.tenantId }))) {
        throw AppError.notFound('Tenant', input.tenantId, 'TENANT_NOT_FOUND');
      }
      const record = await manager.save(
        manager.create(ApiTokenEntity, {
          name: input.name,
          role: input.role,
          tenantId: input.tenantId ?? null,
          tokenHash: hashToken(token),
          tokenPrefix: token.slice(0, 8),
          createdBy: by.actor,
        }),
      );
      await this.audit.record(manager, by, 'api_token.created', 'api_token', record.id, {
        name: input.name,
        role: input.role,
        tenant_id: input.tenantId ?? null,
      });
      return { token, record: view(record) };
    });
  }

  async list(): Promise<ApiTokenView[]> {
    return (await this.tokens.find({ order: { createdAt: 'ASC' } })).map(view);
  }

  async revoke(id: string, by: AuditActor): Promise<ApiTokenView> {
    return this.tokens.manager.transaction(async (manager: EntityManager) => {
      const record = await manager.findOne(ApiTokenEntity, { where: { id }, lock: { mode: 'pessimistic_write' } });
      if (!record) throw AppError.notFound('API token', id, 'API_TOKEN_NOT_FOUND');
      if (record.revokedAt) throw AppError.conflict('API_TOKEN_ALREADY_REVOKED', `API token "${id}" is already revoked.`);
      record.revokedAt = this.clock.now();
      await manager.save(record);
      await this.audit.record(manager, by, 'api_token.revoked', 'api_token', id, {});
      return view(record);
    });
  }

  /** The live token matching `presented`, or undefined. */
  async authenticate(presented: string): Promise<ApiTokenEntity | undefined> {
    if (!presented.startsWith(TOKEN_PREFIX) || presented.length > 128) return undefined;
    const hash = hashToken(presented);
    const record = await this.tokens.findOneBy({ tokenHash: hash, revokedAt: IsNull() });
    // The lookup is by hash, so timing reveals nothing about the secret; the compare is belt and braces.
    if (!record || !timingSafeEqual(Buffer.from(record.tokenHash), Buffer.from(hash))) return undefined;
    const now = this.clock.now();
    if (!record.lastUsedAt || now.getTime() - record.lastUsedAt.getTime() > LAST_USED_RESOLUTION_MS) {
      await this.tokens.update({ id: record.id }, { lastUsedAt: now });
    }
    return record;
  }
}

/** A `service` token needs its tenant; a staff token must not have one. */
function assertTenantScopeFits(role: StaffRole, tenantId: string | undefined): void {
  if (role === 'service' && !tenantId) {
    throw AppError.validation('A service token belongs to one tenant: give tenant_id.', [{ field: 'tenant_id', message: 'required for the service role' }]);
  }
  if (role !== 'service' && tenantId) {
    throw AppError.validation('Only service tokens belong to a tenant; staff tokens are not scoped.', [
      { field: 'tenant_id', message: 'only allowed for the service role' },
    ]);
  }
}

function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

function view({ tokenHash: _hash, ...rest }: ApiTokenEntity): ApiTokenView {
  return rest;
}
