import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { CLOCK, type Clock } from '../common/clock.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { TenantEntity } from '../tenants/tenant.entity.js';
import { NotificationEntity, type NotificationAttachment, type NotificationFacts, type NotificationStage } from './notification.entity.js';

export interface NotificationRequest {
  stage: NotificationStage;
  /** Null for staff notifications that concern no tenant (an API token's expiry). */
  tenantId: string | null;
  /** Customer stages go to the tenant's contact address; alerts go to support; staff stages to `recipient`. */
  audience: 'tenant' | 'support' | 'staff';
  /** The address of a `staff` notification (SUPPORT_EMAIL when unknown). */
  recipient?: string | null;
  /** What the email is about (a license id, a subscription id), part of the deduplication key. */
  subject: string;
  /** Which occurrence (a billing cycle, a grace end, a day): one email per stage, subject and cycle. */
  cycle: string;
  facts: NotificationFacts;
  attachments?: NotificationAttachment[];
}

/**
 * Records a notification in the caller's transaction. Replaying the cause hits the unique
 * deduplication key and records nothing, so one stage of one cycle yields one email.
 */
@Injectable()
export class NotificationOutbox {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /** Returns the new row's id, or null when this notification was already recorded. */
  async record(manager: EntityManager, request: NotificationRequest): Promise<string | null> {
    const recipient =
      request.audience === 'tenant'
        ? (await manager.findOneByOrFail(TenantEntity, { id: request.tenantId! })).contactEmail
        : request.audience === 'staff'
          ? (request.recipient ?? this.config.SUPPORT_EMAIL)
          : this.config.SUPPORT_EMAIL;
    const result = await manager
      .createQueryBuilder()
      .insert()
      .into(NotificationEntity)
      .values({
        tenantId: request.tenantId,
        stage: request.stage,
        recipient,
        dedupeKey: dedupeKey(request),
        facts: request.facts,
        attachments: request.attachments ?? null,
        status: 'pending',
        attempts: 0,
        createdAt: this.clock.now(),
      })
      .orIgnore()
      .returning(['id'])
      .execute();
    const row = result.raw[0] as { id: string } | undefined;
    return row?.id ?? null;
  }
}

export function dedupeKey(request: Pick<NotificationRequest, 'tenantId' | 'stage' | 'subject' | 'cycle'>): string {
  return [request.tenantId ?? '', request.stage, request.subject, request.cycle].join('|');
}
