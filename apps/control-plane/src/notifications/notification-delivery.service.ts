import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { CLOCK, type Clock } from '../common/clock.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { Metrics } from '../observability/metrics.js';
import { TenantEntity } from '../tenants/tenant.entity.js';
import { Mailer } from './mailer.js';
import { retryDelayMs } from './notification-queue.js';
import { renderNotification, UndeliverableNotification } from './notification-templates.js';
import { NotificationEntity, type NotificationAttachment } from './notification.entity.js';

/** The token is a secret: it leaves the database once the email carrying it is out. */
export const TOKEN_ATTACHMENT = 'license.jwt';
/**
 * A one-time login link rides in the attachments too, as the only place the outbox keeps a secret,
 * but it is rendered into the body rather than attached. It leaves the row once sent or failed for
 * good; such an email is never resent (the link is single use and short-lived).
 */
export const LOGIN_LINK_ATTACHMENT = 'login-link.url';

/**
 * `queue`: BullMQ schedules the retry (the row stays queued). `in_process`: the row goes back to
 * pending with next_attempt_at, and the relay picks it up again.
 */
export type RetryOwner = 'queue' | 'in_process';

export type DeliveryOutcome = { result: 'sent' | 'skipped' } | { result: 'retry' | 'failed'; error: string };

@Injectable()
export class NotificationDeliveryService implements OnApplicationShutdown {
  private readonly logger = new Logger(NotificationDeliveryService.name);
  private readonly messageIdDomain: string;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly dataSource: DataSource,
    private readonly mailer: Mailer,
    private readonly metrics: Metrics,
  ) {
    this.messageIdDomain = /@([A-Za-z0-9.-]+)/.exec(config.MAIL_FROM)?.[1] ?? 'license-authority';
  }

  /**
   * One attempt at one notification. A row already sent or failed is skipped, so a replayed job
   * sends nothing. The row's attempt count decides the last attempt, whoever schedules retries.
   */
  async attempt(id: string, retries: RetryOwner): Promise<DeliveryOutcome> {
    const row = await this.dataSource.manager.findOneBy(NotificationEntity, { id });
    if (!row || row.status === 'sent' || row.status === 'failed') return { result: 'skipped' };
    try {
      await this.send(row);
    } catch (error) {
      return this.recordFailure(row, error, retries);
    }
    await this.dataSource.query(
      `UPDATE notifications SET status = 'sent', sent_at = $2, attempts = attempts + 1, last_error = NULL, attachments = $3
       WHERE id = $1 AND status IN ('pending', 'queued')`,
      [row.id, this.clock.now(), without(row.attachments, [TOKEN_ATTACHMENT, LOGIN_LINK_ATTACHMENT])],
    );
    return { result: 'sent' };
  }

  private async send(row: NotificationEntity): Promise<void> {
    const tenant = row.tenantId ? await this.dataSource.manager.findOneBy(TenantEntity, { id: row.tenantId }) : null;
    const loginUrl = row.attachments?.find((attachment) => attachment.filename === LOGIN_LINK_ATTACHMENT)?.content;
    const content = renderNotification(row.stage, row.facts, {
      now: this.clock.now(),
      tenantId: row.tenantId,
      tenantName: (row.facts.tenant_name as string | undefined) ?? tenant?.name ?? row.tenantId ?? 'your organisation',
      portalUrl: this.config.PORTAL_URL,
      supportEmail: this.config.SUPPORT_EMAIL,
      loginUrl,
    });
    await this.mailer.send({
      to: row.recipient,
      ...content,
      attachments: (row.attachments ?? []).filter((attachment) => attachment.filename !== LOGIN_LINK_ATTACHMENT),
      messageId: `<${row.id}.${row.resends}@${this.messageIdDomain}>`,
    });
  }

  private async recordFailure(row: NotificationEntity, error: unknown, retries: RetryOwner): Promise<DeliveryOutcome> {
    const message = errorMessage(error);
    const attempt = row.attempts + 1;
    // A retry cannot revive an expired login link: that failure is final on the first attempt.
    const final = attempt >= this.config.NOTIFICATION_MAX_ATTEMPTS || error instanceof UndeliverableNotification;
    this.metrics.notificationFailed(row.stage);
    if (final) {
      // The license token stays for a resend; a login link cannot be resent, so it goes now.
      await this.dataSource.query(
        `UPDATE notifications SET status = 'failed', failed_at = $2, attempts = $3, last_error = $4, attachments = $5 WHERE id = $1`,
        [row.id, this.clock.now(), attempt, message, without(row.attachments, [LOGIN_LINK_ATTACHMENT])],
      );
      this.logger.error(`notification ${row.id} (${row.stage}) failed for good after ${attempt} attempts: ${message}`);
      return { result: 'failed', error: message };
    }
    const retryInMs = retryDelayMs(attempt, this.config.NOTIFICATION_RETRY_BASE_MS);
    await this.dataSource.query(
      retries === 'in_process'
        ? `UPDATE notifications SET attempts = $2, last_error = $3, status = 'pending', next_attempt_at = now() + make_interval(secs => $4) WHERE id = $1`
        : `UPDATE notifications SET attempts = $2, last_error = $3 WHERE id = $1`,
      retries === 'in_process' ? [row.id, attempt, message, retryInMs / 1000] : [row.id, attempt, message],
    );
    this.logger.warn(`notification ${row.id} (${row.stage}) attempt ${attempt} failed, will retry: ${message}`);
    return { result: 'retry', error: message };
  }

  onApplicationShutdown(): void {
    this.mailer.close();
  }
}

function without(attachments: NotificationAttachment[] | null, filenames: string[]): string | null {
  const kept = (attachments ?? []).filter((attachment) => !filenames.includes(attachment.filename));
  return kept.length > 0 ? JSON.stringify(kept) : null;
}

/** SMTP errors carry the server's reply ("451 4.3.0 Try again later"); keep it, with the code. */
function errorMessage(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const smtp = error as Error & { code?: string; response?: string; responseCode?: number };
  const parts = [smtp.code, smtp.response ?? smtp.message].filter(Boolean);
  return parts.join(': ').slice(0, 2_000);
}
