import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository, type EntityManager } from 'typeorm';
import type { AuditActor } from '../auth/auth.decorators.js';
import { CLOCK, type Clock } from '../common/clock.js';
import type { TimeCursor } from '../common/keyset-cursor.js';
import { AuditEventEntity } from './audit-event.entity.js';

export interface AuditQuery {
  actor_email?: string;
  target_type?: string;
  target_id?: string;
  action?: string;
  tenant_id?: string;
  limit: number;
  before?: Date;
  cursor?: TimeCursor;
}

/** Audit rows are written with the caller's EntityManager, inside the transaction of the change they record. */
@Injectable()
export class AuditService {
  constructor(
    @InjectRepository(AuditEventEntity) private readonly events: Repository<AuditEventEntity>,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async record(manager: EntityManager, by: AuditActor, action: string, targetType: string, targetId: string, details: Record<string, unknown>): Promise<void> {
    await manager.save(
      manager.create(AuditEventEntity, {
        occurredAt: this.clock.now(),
        actor: by.actor,
        action,
        targetType,
        targetId,
        details,
        requestId: by.requestId,
        actorType: by.type ?? (by.actor.startsWith('cli:') ? 'cli' : 'system'),
        actorSubject: by.subject ?? null,
        actorEmail: by.email ?? null,
        actorName: by.name ?? null,
        actorTokenId: by.tokenId ?? null,
        actorTokenCreatedBy: by.tokenCreatedBy ?? null,
        sourceAddress: by.sourceAddress ?? null,
      }),
    );
  }

  list(query: AuditQuery): Promise<AuditEventEntity[]> {
    const builder = this.events.createQueryBuilder('event').orderBy('event.occurred_at', 'DESC').addOrderBy('event.id', 'DESC').limit(query.limit);
    if (query.actor_email) builder.andWhere('lower(event.actor_email) = lower(:actorEmail)', { actorEmail: query.actor_email });
    if (query.target_type) builder.andWhere('event.target_type = :targetType', { targetType: query.target_type });
    if (query.target_id) builder.andWhere('event.target_id = :targetId', { targetId: query.target_id });
    if (query.action) builder.andWhere('event.action = :action', { action: query.action });
    if (query.tenant_id) {
      builder.andWhere(`((event.target_type IN ('tenant', 'subscription') AND event.target_id = :tenantId) OR event.details->>'tenant_id' = :tenantId)`, {
        tenantId: query.tenant_id,
      });
    }
    if (query.before) builder.andWhere('event.occurred_at < :before', { before: query.before });
    if (query.cursor) builder.andWhere('(event.occurred_at, event.id) < (:cursorAt, :cursorId)', { cursorAt: query.cursor.at, cursorId: query.cursor.id });
    return builder.getMany();
  }
}
