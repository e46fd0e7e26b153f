import { randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { IsNull, MoreThan, Repository, type EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import type { AuditActor } from '../auth/auth.decorators.js';
import { hashSecret } from '../auth/secret-hash.js';
import { AppError } from '../common/app-error.js';
import { CLOCK, type Clock } from '../common/clock.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { StaffSessionEntity } from './staff-session.entity.js';

const SESSION_PREFIX = 'las_';
const TOUCH_RESOLUTION_MS = 60_000;
const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;

export interface SignedInPerson {
  subject: string;
  email: string | null;
  name: string | null;
  role: StaffSessionEntity['role'];
  groups: string[];
}

export interface SessionView {
  id: string;
  subject: string;
  email: string | null;
  name: string | null;
  role: string;
  groups: string[];
  created_at: Date;
  last_seen_at: Date;
  idle_expires_at: Date;
  absolute_expires_at: Date;
  source_address: string | null;
  user_agent: string | null;
  revoked_at: Date | null;
  revoked_by: string | null;
}

/**
 * Console sessions: an opaque random secret in an HttpOnly cookie, its SHA-256 in the database. A
 * session ends at the first of: idle timeout, absolute timeout, sign-out, revocation by an admin.
 */
@Injectable()
export class StaffSessionsService {
  constructor(
    @InjectRepository(StaffSessionEntity) private readonly sessions: Repository<StaffSessionEntity>,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly audit: AuditService,
  ) {}

  /** Records the sign-in (audited as the person) and returns the cookie's secret. */
  async start(person: SignedInPerson, from: { address: string | null; userAgent: string | null; requestId: string | null }) {
    const secret = `${SESSION_PREFIX}${randomBytes(32).toString('base64url')}`;
    const now = this.clock.now();
    return this.sessions.manager.transaction(async (manager: EntityManager) => {
      const session = await manager.save(
        manager.create(StaffSessionEntity, {
          secretHash: hashSecret(secret),
          subject: person.subject,
          email: person.email,
          name: person.name,
          role: person.role,
          groups: person.groups,
          createdAt: now,
          lastSeenAt: now,
          absoluteExpiresAt: new Date(now.getTime() + this.config.SESSION_ABSOLUTE_TIMEOUT_HOURS * HOUR_MS),
          sourceAddress: from.address,
          userAgent: from.userAgent?.slice(0, 512) ?? null,
        }),
      );
      const by: AuditActor = {
        actor: `oidc:${person.email ?? person.subject}`,
        requestId: from.requestId,
        sourceAddress: from.address,
        type: 'oidc',
        subject: person.subject,
        email: person.email,
        name: person.name,
      };
      await this.audit.record(manager, by, 'session.started', 'staff_session', session.id, { role: person.role, groups: person.groups });
      return { secret, session, maxAgeMs: session.absoluteExpiresAt.getTime() - now.getTime() };
    });
  }

  /**
   * The live session behind a cookie secret. An unknown or revoked one is undefined; one that timed
   * out is `401 SESSION_EXPIRED` (the console then shows the sign-in page with a reason).
   */
  async authenticate(secret: string): Promise<StaffSessionEntity | undefined> {
    if (!secret.startsWith(SESSION_PREFIX)) return undefined;
    const session = await this.sessions.findOneBy({ secretHash: hashSecret(secret), revokedAt: IsNull() });
    if (!session) return undefined;
    const now = this.clock.now();
    if (now >= session.absoluteExpiresAt || now >= this.idleExpiry(session)) {
      throw new AppError(401, 'SESSION_EXPIRED', 'Your console session has expired; sign in again.');
    }
    if (now.getTime() - session.lastSeenAt.getTime() > TOUCH_RESOLUTION_MS) {
      await this.sessions.update({ id: session.id }, { lastSeenAt: now });
      session.lastSeenAt = now;
    }
    return session;
  }

  idleExpiry(session: StaffSessionEntity): Date {
    const idle = new Date(session.lastSeenAt.getTime() + this.config.SESSION_IDLE_TIMEOUT_MINUTES * MINUTE_MS);
    return idle < session.absoluteExpiresAt ? idle : session.absoluteExpiresAt;
  }

  /** Sign-out by the person: ends the session behind the cookie. */
  async signOut(id: string, by: AuditActor): Promise<void> {
    await this.end(id, 'signed_out', by, 'session.signed_out');
  }

  async find(id: string): Promise<SessionView | undefined> {
    const session = await this.sessions.findOneBy({ id });
    return session ? this.view(session) : undefined;
  }

  /** An admin ends someone's session (a lost laptop, a leaver); their next request is 401. */
  async revoke(id: string, by: AuditActor): Promise<SessionView> {
    return this.view(await this.end(id, by.actor, by, 'session.revoked'));
  }

  /** Sessions that are still live, newest first (what an admin reviews or revokes). */
  async listLive(): Promise<SessionView[]> {
    const now = this.clock.now();
    const live = await this.sessions.find({
      where: { revokedAt: IsNull(), absoluteExpiresAt: MoreThan(now) },
      order: { createdAt: 'DESC' },
      take: 500,
    });
    return live.filter((session) => this.idleExpiry(session) > now).map((session) => this.view(session));
  }

  view(session: StaffSessionEntity): SessionView {
    return {
      id: session.id,
      subject: session.subject,
      email: session.email,
      name: session.name,
      role: session.role,
      groups: session.groups,
      created_at: session.createdAt,
      last_seen_at: session.lastSeenAt,
      idle_expires_at: this.idleExpiry(session),
      absolute_expires_at: session.absoluteExpiresAt,
      source_address: session.sourceAddress,
      user_agent: session.userAgent,
      revoked_at: session.revokedAt,
      revoked_by: session.revokedBy,
    };
  }

  private end(id: string, revokedBy: string, by: AuditActor, action: string): Promise<StaffSessionEntity> {
    return this.sessions.manager.transaction(async (manager: EntityManager) => {
      const session = await manager.findOne(StaffSessionEntity, { where: { id }, lock: { mode: 'pessimistic_write' } });
      if (!session) throw AppError.notFound('Session', id, 'SESSION_NOT_FOUND');
      if (session.revokedAt) throw AppError.conflict('SESSION_ALREADY_ENDED', `Session "${id}" has already ended.`);
      session.revokedAt = this.clock.now();
      session.revokedBy = revokedBy;
      await manager.save(session);
      await this.audit.record(manager, by, action, 'staff_session', id, { subject: session.subject, email: session.email });
      return session;
    });
  }
}
