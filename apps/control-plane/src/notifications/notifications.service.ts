import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository, type EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import type { AuditActor } from '../auth/auth.decorators.js';
import { AppError } from '../common/app-error.js';
import { LicenseIssuerService } from '../licenses/license-issuer.service.js';
import { LicenseEntity } from '../licenses/license.entity.js';
import { TOKEN_ATTACHMENT } from './notification-delivery.service.js';
import { NotificationEntity, type NotificationAttachment } from './notification.entity.js';
import type { ListNotificationsQuery } from './notifications.schemas.js';

/** The staff view of the outbox: what was sent to whom, what failed and why, and a resend. */
@Injectable()
export class NotificationsService {
  constructor(
    @InjectRepository(NotificationEntity) private readonly notifications: Repository<NotificationEntity>,
    private readonly audit: AuditService,
    private readonly issuer: LicenseIssuerService,
  ) {}

  list(query: ListNotificationsQuery): Promise<NotificationEntity[]> {
    const builder = this.notifications
      .createQueryBuilder('n')
      .orderBy('n.created_at', 'DESC')
      .addOrderBy('n.id', 'DESC')
      .limit(query.limit)
      .offset(query.offset);
    if (query.tenant_id) builder.andWhere('n.tenant_id = :tenantId', { tenantId: query.tenant_id });
    if (query.stage) builder.andWhere('n.stage = :stage', { stage: query.stage });
    if (query.status) builder.andWhere('n.status = :status', { status: query.status });
    if (query.cursor) builder.andWhere('(n.created_at, n.id) < (:cursorAt, :cursorId)', { cursorAt: query.cursor.at, cursorId: query.cursor.id });
    return builder.getMany();
  }

  async get(id: string): Promise<NotificationEntity> {
    const notification = await this.notifications.findOneBy({ id });
    if (!notification) throw AppError.notFound('Notification', id, 'NOTIFICATION_NOT_FOUND');
    return notification;
  }

  /**
   * Sends a failed (or already sent) notification again, with fresh attempts. A license email whose
   * token was removed after sending gets it back, re-signed from the stored claims. A login link
   * email is never resent: its link was single use and left the row once sent or failed.
   */
  async resend(id: string, by: AuditActor): Promise<NotificationEntity> {
    return this.notifications.manager.transaction(async (manager) => {
      const notification = await manager.findOne(NotificationEntity, { where: { id }, lock: { mode: 'pessimistic_write' } });
      if (!notification) throw AppError.notFound('Notification', id, 'NOTIFICATION_NOT_FOUND');
      if (notification.stage === 'login_link') {
        throw AppError.conflict(
          'NOTIFICATION_NOT_RESENDABLE',
          `Notification "${id}" carried a one-time login link, which is not kept after sending; send a new link with POST /api/v1/tenants/${notification.tenantId ?? ':id'}/login-links {"send_email": true}.`,
        );
      }
      if (notification.status === 'pending' || notification.status === 'queued') {
        throw AppError.conflict('NOTIFICATION_IN_FLIGHT', `Notification "${id}" is ${notification.status}: it is being delivered already.`);
      }
      await this.assertLicenseCurrent(manager, notification);
      const attachments = await this.withToken(manager, notification);
      await manager.query(
        `UPDATE notifications SET status = 'pending', attempts = 0, last_error = NULL, sent_at = NULL, failed_at = NULL, queued_at = NULL,
           next_attempt_at = now(), resends = resends + 1, attachments = $2 WHERE id = $1`,
        [id, attachments ? JSON.stringify(attachments) : null],
      );
      await this.audit.record(manager, by, 'notification.resent', 'notification', id, {
        stage: notification.stage,
        tenant_id: notification.tenantId,
        previous_status: notification.status,
        last_error: notification.lastError,
      });
      return manager.findOneByOrFail(NotificationEntity, { id });
    });
  }

  /** A license email re-signs its token: never for a license that no longer stands (revoked, or superseded by another). */
  private async assertLicenseCurrent(manager: EntityManager, notification: NotificationEntity): Promise<void> {
    const licenseId = notification.facts.license_id;
    if (notification.stage !== 'license_issued' || typeof licenseId !== 'string') return;
    const license = await manager.findOneBy(LicenseEntity, { id: licenseId });
    if (!license || license.status === 'active') return;
    throw AppError.conflict(
      'LICENSE_NOT_CURRENT',
      `License "${licenseId}" is ${license.status}, so its email is not sent again (it would deliver a token that must not be used). ` +
        `Find the installation's current license with GET /api/v1/licenses?lineage_id=${license.lineageId}, or issue a new one.`,
      { license_id: licenseId, license_status: license.status },
    );
  }

  /** Reads through the caller's transaction: on the embedded database a second connection would wait for it forever. */
  private async withToken(manager: EntityManager, notification: NotificationEntity): Promise<NotificationAttachment[] | null> {
    const attachments = notification.attachments;
    const licenseId = notification.facts.license_id;
    if (notification.stage !== 'license_issued' || typeof licenseId !== 'string' || attachments?.some((a) => a.filename === TOKEN_ATTACHMENT))
      return attachments;
    const license = await manager.findOneBy(LicenseEntity, { id: licenseId });
    if (!license) return attachments;
    const token = { filename: TOKEN_ATTACHMENT, content: await this.issuer.resign(license.claims), contentType: 'application/jwt' };
    return [token, ...(attachments ?? [])];
  }
}
