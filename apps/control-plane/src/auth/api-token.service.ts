import { randomBytes, timingSafeEqual } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository, type EntityManager } from 'typeorm';
import { DAY_MS } from '@atlasai/license-core';
import { AppError } from '../common/app-error.js';
import { CLOCK, type Clock } from '../common/clock.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { AuditService } from '../audit/audit.service.js';
import type { AuditActor } from './auth.decorators.js';
import { TenantEntity } from '../tenants/tenant.entity.js';
import { ApiTokenEntity, type StaffRole } from './api-token.entity.js';
import { hashSecret } from './secret-hash.js';
import { scopesBeyondRole, type TokenScope } from './token-scopes.js';

const TOKEN_PREFIX = 'la_';
const LAST_USED_RESOLUTION_MS = 60_000;

export interface CreatedApiToken {
  token: string;
  record: ApiTokenView;
}

export interface CreateApiTokenInput {
  name: string;
  role: StaffRole;
  tenantId?: string;
  /** A date, `'never'` (admins only, with `neverExpiresReason`), or absent for API_TOKEN_DEFAULT_TTL_DAYS. */
  expiresAt?: Date | 'never';
  neverExpiresReason?: string;
  scopes?: TokenScope[];
  /** Where the expiry reminder goes when the creator has no address of their own (a CLI user). */
  notifyEmail?: string;
}

export type ApiTokenView = Omit<ApiTokenEntity, 'tokenHash' | 'previousTokenHash'>;

/** Staff API tokens: random, shown once, stored as a SHA-256 hash; they expire, may be scoped and rotated. */
@Injectable()
export class ApiTokenService {
  constructor(
    @InjectRepository(ApiTokenEntity) private readonly tokens: Repository<ApiTokenEntity>,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly audit: AuditService,
  ) {}

  async create(input: CreateApiTokenInput, by: AuditActor): Promise<CreatedApiToken> {
    assertTenantScopeFits(input.role, input.tenantId);
    assertScopesFit(input.role, input.scopes);
    const expiresAt = this.expiry(input);
    const token = newSecret();
    return this.tokens.manager.transaction(async (manager) => {
      if (input.tenantId && !(await manager.existsBy(TenantEntity, { id: input.tenantId }))) {
        throw AppError.notFound('Tenant', input.tenantId, 'TENANT_NOT_FOUND');
      }
      const record = await manager.save(
        manager.create(ApiTokenEntity, {
          name: input.name,
          role: input.role,
          tenantId: input.tenantId ?? null,
          tokenHash: hashSecret(token),
          tokenPrefix: token.slice(0, 8),
          createdBy: by.actor,
          createdByEmail: input.notifyEmail ?? by.email ?? null,
          createdAt: this.clock.now(),
          expiresAt,
          neverExpiresReason: expiresAt ? null : input.neverExpiresReason!,
          scopes: input.scopes?.length ? [...new Set(input.scopes)] : null,
        }),
      );
      await this.audit.record(manager, by, 'api_token.created', 'api_token', record.id, {
        name: input.name,
        role: input.role,
        tenant_id: input.tenantId ?? null,
        expires_at: expiresAt?.toISOString() ?? 'never',
        ...(expiresAt ? {} : { never_expires_reason: input.neverExpiresReason }),
        scopes: record.scopes,
      });
      return { token, record: view(record) };
    });
  }

  async list(): Promise<ApiTokenView[]> {
    return (await this.tokens.find({ order: { createdAt: 'ASC' } })).map(view);
  }

  async revoke(id: string, by: AuditActor): Promise<ApiTokenView> {
    return this.tokens.manager.transaction(async (manager: EntityManager) => {
      const record = await this.lockLive(manager, id, 'revoke');
      record.revokedAt = this.clock.now();
      record.previousTokenValidUntil = null;
      await manager.save(record);
      await this.audit.record(manager, by, 'api_token.revoked', 'api_token', id, {});
      return view(record);
    });
  }

  /**
   * A new secret for the same token (same id, role, scopes). The old secret keeps working for
   * API_TOKEN_ROTATION_GRACE_SECONDS so clients holding it can switch without failed calls; the
   * lifetime starts again (the default TTL) unless the token never expires.
   */
  async rotate(id: string, by: AuditActor): Promise<CreatedApiToken> {
    const token = newSecret();
    return this.tokens.manager.transaction(async (manager: EntityManager) => {
      const record = await this.lockLive(manager, id, 'rotate');
      const now = this.clock.now();
      if (record.expiresAt && record.expiresAt <= now) {
        throw new AppError(409, 'API_TOKEN_EXPIRED', `API token "${id}" has expired; create a new one instead of rotating it.`);
      }
      record.previousTokenHash = record.tokenHash;
      record.previousTokenValidUntil = new Date(now.getTime() + this.config.API_TOKEN_ROTATION_GRACE_SECONDS * 1000);
      record.tokenHash = hashSecret(token);
      record.tokenPrefix = token.slice(0, 8);
      record.rotatedAt = now;
      if (record.expiresAt) record.expiresAt = new Date(now.getTime() + this.config.API_TOKEN_DEFAULT_TTL_DAYS * DAY_MS);
      await manager.save(record);
      await this.audit.record(manager, by, 'api_token.rotated', 'api_token', id, {
        expires_at: record.expiresAt?.toISOString() ?? 'never',
        previous_valid_until: record.previousTokenValidUntil.toISOString(),
      });
      return { token, record: view(record) };
    });
  }

  /**
   * The live token matching `presented`, or undefined when none does. A known but expired token is
   * `401 TOKEN_EXPIRED`, so its holder learns to get a new one rather than suspect a typo.
   */
  async authenticate(presented: string, from: { address?: string | null } = {}): Promise<ApiTokenEntity | undefined> {
    if (!presented.startsWith(TOKEN_PREFIX) || presented.length > 128) return undefined;
    const hash = hashSecret(presented);
    const now = this.clock.now();
    const record = await this.tokens
      .createQueryBuilder('token')
      .where('token.revoked_at IS NULL')
      .andWhere('(token.token_hash = :hash OR (token.previous_token_hash = :hash AND token.previous_token_valid_until > :now))', { hash, now })
      .getOne();
    // The lookup is by hash, so timing reveals nothing about the secret; the compare is belt and braces.
    const stored = record?.tokenHash === hash ? record.tokenHash : record?.previousTokenHash;
    if (!record || !stored || !timingSafeEqual(Buffer.from(stored), Buffer.from(hash))) return undefined;
    if (record.expiresAt && record.expiresAt <= now) {
      throw new AppError(401, 'TOKEN_EXPIRED', `The API token "${record.name}" expired at ${record.expiresAt.toISOString()}; ask an admin for a new one.`);
    }
    const address = from.address ?? null;
    if (!record.lastUsedAt || now.getTime() - record.lastUsedAt.getTime() > LAST_USED_RESOLUTION_MS || record.lastUsedAddress !== address) {
      await this.tokens.update({ id: record.id }, { lastUsedAt: now, lastUsedAddress: address });
    }
    return record;
  }

  private async lockLive(manager: EntityManager, id: string, verb: string): Promise<ApiTokenEntity> {
    const record = await manager.findOne(ApiTokenEntity, { where: { id }, lock: { mode: 'pessimistic_write' } });
    if (!record) throw AppError.notFound('API token', id, 'API_TOKEN_NOT_FOUND');
    if (record.revokedAt) throw AppError.conflict('API_TOKEN_ALREADY_REVOKED', `API token "${id}" is revoked; there is nothing to ${verb}.`);
    return record;
  }

  /**
   * When a new token expires: the requested date, the default lifetime, or never with a reason. Only
   * admins create tokens (the tokens API is admin-only; the CLI holds the database credentials), so
   * `never` is an admin's decision by construction; the reason is stored, audited and listed.
   */
  private expiry(input: CreateApiTokenInput): Date | null {
    const now = this.clock.now();
    if (input.expiresAt === 'never') {
      if (!input.neverExpiresReason?.trim()) {
        throw AppError.validation('A token that never expires needs a reason: give never_expires_reason.', [
          { field: 'never_expires_reason', message: 'required when expires_at is "never"' },
        ]);
      }
      return null;
    }
    if (input.neverExpiresReason) {
      throw AppError.validation('never_expires_reason is only for expires_at "never".', [
        { field: 'never_expires_reason', message: 'only with expires_at "never"' },
      ]);
    }
    if (input.expiresAt) {
      if (input.expiresAt <= now) throw AppError.validation('expires_at must be in the future.', [{ field: 'expires_at', message: 'must be in the future' }]);
      return input.expiresAt;
    }
    return new Date(now.getTime() + this.config.API_TOKEN_DEFAULT_TTL_DAYS * DAY_MS);
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

function assertScopesFit(role: StaffRole, scopes: TokenScope[] | undefined): void {
  const beyond = scopesBeyondRole(role, scopes ?? []);
  if (beyond.length > 0) {
    throw AppError.validation(`Scopes narrow a role, never widen it: a ${role} token cannot hold ${beyond.join(', ')}.`, [
      { field: 'scopes', message: `not allowed for the ${role} role: ${beyond.join(', ')}` },
    ]);
  }
}

function newSecret(): string {
  return `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
}

function view({ tokenHash: _hash, previousTokenHash: _previous, ...rest }: ApiTokenEntity): ApiTokenView {
  return rest;
}
