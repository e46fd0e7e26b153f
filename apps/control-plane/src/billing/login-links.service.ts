import { Inject, Injectable } from '@nestjs/common';
import { createHash, randomBytes } from 'node:crypto';
import { DataSource, MoreThan } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import type { AuditActor } from '../auth/auth.decorators.js';
import { AppError } from '../common/app-error.js';
import { CLOCK, type Clock } from '../common/clock.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { TenantsService } from '../tenants/tenants.service.js';
import { LoginLinkEntity } from './login-link.entity.js';

const LINK_PREFIX = 'lal_';
const SESSION_PREFIX = 'lcs_';

export interface CustomerSession {
  tenantId: string;
  linkId: string;
}

function sha256(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

/**
 * One-time login links let a customer reach Checkout and the Customer Portal without a staff token.
 * Staff create a link for a tenant and send it; the link is single use and short-lived, and
 * redeeming it yields a billing session token that is scoped to that tenant's billing endpoints
 * and expires on its own. Only hashes are stored.
 */
@Injectable()
export class LoginLinks {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly dataSource: DataSource,
    private readonly tenants: TenantsService,
    private readonly audit: AuditService,
  ) {}

  async create(tenantId: string, by: AuditActor): Promise<{ url: string; expires_at: Date }> {
    const token = `${LINK_PREFIX}${randomBytes(32).toString('base64url')}`;
    return this.dataSource.transaction(async (manager) => {
      await this.tenants.get(tenantId, manager);
      const now = this.clock.now();
      const expiresAt = new Date(now.getTime() + this.config.LOGIN_LINK_TTL_MINUTES * 60_000);
      const link = await manager.save(manager.create(LoginLinkEntity, { tenantId, tokenHash: sha256(token), expiresAt, createdBy: by.actor, createdAt: now }));
      await this.audit.record(manager, by, 'login_link.created', 'tenant', tenantId, { login_link_id: link.id, expires_at: expiresAt.toISOString() });
      // In the fragment, so the token never reaches a server log or a Referer header.
      const url = new URL(this.config.PORTAL_URL);
      url.hash = `login_token=${token}`;
      return { url: url.toString(), expires_at: expiresAt };
    });
  }

  async redeem(token: string, requestId: string | null): Promise<{ session_token: string; tenant_id: string; expires_at: Date }> {
    const session = `${SESSION_PREFIX}${randomBytes(32).toString('base64url')}`;
    return this.dataSource.transaction(async (manager) => {
      const now = this.clock.now();
      const link = await manager.findOne(LoginLinkEntity, { where: { tokenHash: sha256(token) }, lock: { mode: 'pessimistic_write' } });
      // One answer for unknown, expired and used links: a caller learns nothing about which it was.
      if (!link || link.usedAt || link.expiresAt.getTime() <= now.getTime()) {
        throw new AppError(401, 'LOGIN_LINK_INVALID', 'This login link is unknown, expired or already used; ask for a new one.');
      }
      link.usedAt = now;
      link.sessionHash = sha256(session);
      link.sessionExpiresAt = new Date(now.getTime() + this.config.BILLING_SESSION_TTL_MINUTES * 60_000);
      await manager.save(link);
      await this.audit.record(manager, { actor: `login_link:${link.id}`, requestId }, 'login_link.redeemed', 'tenant', link.tenantId, {
        login_link_id: link.id,
        session_expires_at: link.sessionExpiresAt.toISOString(),
      });
      return { session_token: session, tenant_id: link.tenantId, expires_at: link.sessionExpiresAt };
    });
  }

  /** The tenant a billing session token speaks for, or undefined when it is unknown or expired. */
  async session(token: string): Promise<CustomerSession | undefined> {
    if (!token.startsWith(SESSION_PREFIX) || token.length > 128) return undefined;
    const link = await this.dataSource.manager.findOneBy(LoginLinkEntity, {
      sessionHash: sha256(token),
      sessionExpiresAt: MoreThan(this.clock.now()),
    });
    return link ? { tenantId: link.tenantId, linkId: link.id } : undefined;
  }

  static isSessionToken(token: string): boolean {
    return token.startsWith(SESSION_PREFIX);
  }
}
