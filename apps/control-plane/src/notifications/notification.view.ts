import type { NotificationEntity } from './notification.entity.js';

/** Attachments are named, never shown: one of them may still be a license token. */
export function notificationView(notification: NotificationEntity) {
  return {
    id: notification.id,
    tenant_id: notification.tenantId,
    stage: notification.stage,
    recipient: notification.recipient,
    status: notification.status,
    attempts: notification.attempts,
    last_error: notification.lastError,
    facts: notification.facts,
    attachments: (notification.attachments ?? []).map((attachment) => attachment.filename),
    resends: notification.resends,
    created_at: notification.createdAt,
    queued_at: notification.queuedAt,
    next_attempt_at: notification.status === 'pending' ? notification.nextAttemptAt : null,
    sent_at: notification.sentAt,
    failed_at: notification.failedAt,
  };
}
