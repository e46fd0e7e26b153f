import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { DAY_MS } from '@atlasai/license-core';
import { CLOCK, type Clock } from '../common/clock.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { NotificationOutbox } from '../notifications/notification-outbox.service.js';

interface ExpiringToken {
  id: string;
  name: string;
  role: string;
  token_prefix: string;
  created_by: string;
  created_by_email: string | null;
  expires_at: Date;
  last_used_at: Date | null;
}

/**
 * api_token_expiring: API_TOKEN_EXPIRY_NOTICE_DAYS (7) before a live token expires, its creator is
 * emailed (SUPPORT_EMAIL when the creator left no address, as a CLI user does). Once per token and
 * expiry: the cycle is the expiry itself, so a rotated token is reminded again before its new expiry.
 */
@Injectable()
export class ApiTokenExpiryReminders {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly outbox: NotificationOutbox,
  ) {}

  async record(manager: EntityManager): Promise<number> {
    const now = this.clock.now();
    const horizon = new Date(now.getTime() + this.config.API_TOKEN_EXPIRY_NOTICE_DAYS * DAY_MS);
    const tokens = (await manager.query(
      `SELECT id, name, role, token_prefix, created_by, created_by_email, expires_at, last_used_at FROM api_tokens
       WHERE revoked_at IS NULL AND expires_at > $1 AND expires_at <= $2 ORDER BY expires_at`,
      [now, horizon],
    )) as ExpiringToken[];
    let recorded = 0;
    for (const token of tokens) {
      const expiresAt = new Date(token.expires_at).toISOString();
      const id = await this.outbox.record(manager, {
        stage: 'api_token_expiring',
        tenantId: null,
        audience: 'staff',
        recipient: token.created_by_email,
        subject: token.id,
        cycle: expiresAt,
        facts: {
          token_id: token.id,
          token_name: token.name,
          token_prefix: token.token_prefix,
          role: token.role,
          created_by: token.created_by,
          expires_at: expiresAt,
          last_used_at: token.last_used_at ? new Date(token.last_used_at).toISOString() : null,
        },
      });
      if (id) recorded += 1;
    }
    return recorded;
  }
}
