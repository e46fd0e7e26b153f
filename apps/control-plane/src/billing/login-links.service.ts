import { Inject, Injectable, Logger, type BeforeApplicationShutdown } from '@nestjs/common';
import { createHash, randomBytes } from 'node:crypto';
import { DataSource, MoreThan, type EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import type { AuditActor } from '../auth/auth.decorators.js';
import { AppError } from '../common/app-error.js';
import { CLOCK, type Clock } from '../common/clock.js';
import { RateLimits, type RateLimit } from '../common/rate-limits.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { LOGIN_LINK_ATTACHMENT } from '../notifications/notification-delivery.service.js';
import { NotificationOutbox } from '../notifications/notification-outbox.service.js';
import { TenantEntity } from '../tenants/tenant.entity.js';
import { TenantsService } from '../tenants/tenants.service.js';
import type { RequestLoginLinkInput } from './billing.schemas.js';
import { LoginLinkEntity } from './login-link.entity.js';

const LINK_PREFIX = 'lal_';
const SESSION_PREFIX = 'lcs_';

export interface CustomerSession {
  tenantId: string;
  linkId: string;
}

export type CreatedLoginLink =
  /** Handed to staff, who pass it on themselves. */
  | { url: string; expires_at: Date }
  /** Emailed to the tenant's contact address through the outbox; the URL is never shown. */
  | { login_link_id: string; expires_at: Date; emailed_to: string; notification_id: string | null };

/** The same answer whether or not an email goes out, so the endpoint tells nobody which addresses belong to which tenant. */
export const LOGIN_LINK_REQUEST_ACCEPTED = {
  status: 'accepted',
  message: "If this is the tenant's contact address, a one-time login link is on its way to it.",
} as const;

function sha256(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

/**
 * One-time login links let a customer reach Checkout and the Customer Portal without a staff token.
 * Staff create a link for a tenant and send it; the link is single use and short-lived, and
 * redeeming it yields a billing session token that is scoped to that tenant's billing endpoints
 * and expires on its own. Only hashes are stored.
 *
 * The link can also be emailed to the tenant's contact address, by staff or at the request of
 * whoever knows that address. The email is an outbox row recorded with the link; the URL rides in
 * the row's attachments, the one place the outbox keeps a secret, and leaves the row once sent.
 */
@Injectable()
export class LoginLinks implements BeforeApplicationShutdown {
  private readonly logger = new Logger(LoginLinks.name);
  private readonly requestLimit: RateLimit;
  private readonly clientLimit: RateLimit;
  /** Public requests answered but not yet looked up; shutdown lets them finish. */
  private readonly deferred = new Set<Promise<void>>();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly dataSource: DataSource,
    private readonly tenants: TenantsService,
    private readonly audit: AuditService,
    private readonly outbox: NotificationOutbox,
    rateLimits: RateLimits,
  ) {
    this.requestLimit = rateLimits.limit('login-link-requests', config.LOGIN_LINK_REQUESTS_PER_HOUR, 3_600);
    this.clientLimit = rateLimits.limit('login-link-clients', config.LOGIN_LINK_REQUESTS_PER_CLIENT_PER_HOUR, 3_600);
  }

  /** Staff: a link for the tenant, returned to the caller or emailed to the tenant's contact address. */
  async create(tenantId: string, by: AuditActor, options: { sendEmail: boolean }): Promise<CreatedLoginLink> {
    return this.dataSource.transaction(async (manager) => {
      const tenant = await this.tenants.get(tenantId, manager);
      if (!options.sendEmail) {
        const { url, expiresAt } = await this.mint(manager, tenantId, by, false);
        return { url, expires_at: expiresAt };
      }
      const { linkId, expiresAt, notificationId } = await this.mintAndEmail(manager, tenantId, by, 'support');
      return { login_link_id: linkId, expires_at: expiresAt, emailed_to: tenant.contactEmail, notification_id: notificationId };
    });
  }

  /**
   * Public: emails a link when `email` is the tenant's contact address, and otherwise does nothing.
   * The caller cannot tell the two apart: the rate limits (per client, per address) apply to both before
   * any lookup, and the lookup and the minting run after the answer, so its timing says nothing either.
   */
  async request(input: RequestLoginLinkInput, from: { requestId: string | null; client: string }): Promise<void> {
    const address = input.email.toLowerCase();
    for (const [limit, key, what] of [
      [this.clientLimit, from.client, 'from this client'],
      [this.requestLimit, address, 'for this address'],
    ] as const) {
      const retryAfterSeconds = await limit.consume(key);
      if (retryAfterSeconds !== undefined) {
        throw new AppError(429, 'RATE_LIMITED', `Too many login link requests ${what}; retry in ${retryAfterSeconds} s.`, {
          retry_after_seconds: retryAfterSeconds,
        });
      }
    }
    const pending = this.emailIfContact(input.tenant_id, address, from.requestId)
      .catch((error: unknown) => this.logger.error(`login link request for tenant ${input.tenant_id} failed: ${(error as Error).message}`))
      .finally(() => this.deferred.delete(pending));
    this.deferred.add(pending);
  }

  private async emailIfContact(tenantId: string, address: string, requestId: string | null): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const tenant = await manager.findOneBy(TenantEntity, { id: tenantId });
      if (!tenant || tenant.contactEmail.toLowerCase() !== address) return;
      await this.mintAndEmail(manager, tenant.id, { actor: `contact_email:${tenant.id}`, requestId }, 'customer');
    });
  }

  private async mintAndEmail(manager: EntityManager, tenantId: string, by: AuditActor, requestedBy: 'support' | 'customer') {
    const { linkId, url, expiresAt } = await this.mint(manager, tenantId, by, true);
    const notificationId = await this.outbox.record(manager, {
      stage: 'login_link',
      tenantId,
      audience: 'tenant',
      // Each link is its own email: two requests, two links, two emails.
      subject: linkId,
      cycle: 'once',
      facts: { login_link_id: linkId, expires_at: expiresAt.toISOString(), requested_by: requestedBy },
      attachments: [{ filename: LOGIN_LINK_ATTACHMENT, content: url, contentType: 'text/uri-list' }],
    });
    return { linkId, expiresAt, notificationId };
  }

  private async mint(manager: EntityManager, tenantId: string, by: AuditActor, emailed: boolean) {
    const token = `${LINK_PREFIX}${randomBytes(32).toString('base64url')}`;
    const now = this.clock.now();
    const expiresAt = new Date(now.getTime() + this.config.LOGIN_LINK_TTL_MINUTES * 60_000);
    const link = await manager.save(manager.create(LoginLinkEntity, { tenantId, tokenHash: sha256(token), expiresAt, createdBy: by.actor, createdAt: now }));
    await this.audit.record(manager, by, 'login_link.created', 'tenant', tenantId, { login_link_id: link.id, expires_at: expiresAt.toISOString(), emailed });
    // In the fragment, so the token never reaches a server log or a Referer header.
    const url = new URL(this.config.PORTAL_URL);
    url.hash = `login_token=${token}`;
    return { linkId: link.id, url: url.toString(), expiresAt };
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

  async beforeApplicationShutdown(): Promise<void> {
    await Promise.all(this.deferred);
  }
}
