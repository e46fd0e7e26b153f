import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { DAY_MS, type LicenseClaims } from '@atlasai/license-core';
import { CLOCK, type Clock } from '../common/clock.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { LAST_SUCCESSFUL_PHONE_HOME_JOIN, silentSince } from '../phone-home/phone-home-silence.js';
import { NotificationOutbox } from './notification-outbox.service.js';
import { daysUntil } from './notification-templates.js';

interface ExpiringLicense {
  id: string;
  tenant_id: string;
  tenant_name: string;
  deployment_mode: string;
  claims: LicenseClaims;
  expires_at: Date;
  last_phone_home_at: Date | null;
}

/**
 * The step a license has reached: the smallest configured reminder day count at or above its days
 * left (30 and 7 by default). A license issued for 20 days gets the 30-day reminder at once and
 * the 7-day one later; one already inside 7 days gets only the 7-day one.
 */
export function reminderStep(daysLeft: number, reminderDays: number[]): number | undefined {
  return [...reminderDays].sort((a, b) => a - b).find((step) => daysLeft <= step);
}

/**
 * license_expiring: emailed to the tenant for licenses that will not renew themselves: on-prem
 * licenses never do, and a BYOC license does not while its tenant plane is silent (no successful
 * phone-home within PHONE_HOME_SILENCE_HOURS). A license that support has already replaced (a newer
 * active license of the same tenant and mode that expires later) gets no reminder.
 */
@Injectable()
export class LicenseExpiryReminders {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly outbox: NotificationOutbox,
  ) {}

  async record(manager: EntityManager): Promise<number> {
    const now = this.clock.now();
    const horizon = new Date(now.getTime() + Math.max(...this.config.LICENSE_EXPIRY_REMINDER_DAYS) * DAY_MS);
    // Set-based: a license is read only when its current step has no notification yet, so a sweep with
    // nothing due reads no rows (the key is dedupeKey's, see notification-outbox.service.ts).
    const licenses = (await manager.query(
      `SELECT l.id, l.tenant_id, t.name AS tenant_name, l.deployment_mode, l.claims, l.expires_at, last_call.called_at AS last_phone_home_at
       FROM licenses l JOIN tenants t ON t.id = l.tenant_id
       ${LAST_SUCCESSFUL_PHONE_HOME_JOIN}
       CROSS JOIN LATERAL (
         SELECT min(days) AS step FROM unnest($4::int[]) days
         WHERE days >= GREATEST(0, ceil(extract(epoch FROM l.expires_at - $1::timestamptz) * 1000 / ${DAY_MS}))) due
       WHERE l.status = 'active' AND l.expires_at > $1 AND l.expires_at <= $2
         AND (l.deployment_mode = 'on_prem' OR COALESCE(last_call.called_at, l.issued_at) < $3)
         AND NOT EXISTS (
           SELECT 1 FROM licenses newer
           WHERE newer.tenant_id = l.tenant_id AND newer.deployment_mode = l.deployment_mode AND newer.status = 'active'
             AND newer.issued_at > l.issued_at AND newer.expires_at > l.expires_at)
         AND due.step IS NOT NULL
         AND NOT EXISTS (SELECT 1 FROM notifications n WHERE n.dedupe_key = l.tenant_id || '|license_expiring|' || l.id || '|' || due.step || 'd')
       ORDER BY l.expires_at`,
      [now, horizon, silentSince(now, this.config), this.config.LICENSE_EXPIRY_REMINDER_DAYS],
    )) as ExpiringLicense[];
    let recorded = 0;
    for (const license of licenses) {
      const expiresAt = new Date(license.expires_at).toISOString();
      const daysLeft = daysUntil(expiresAt, now);
      const step = reminderStep(daysLeft, this.config.LICENSE_EXPIRY_REMINDER_DAYS);
      if (step === undefined) continue;
      const id = await this.outbox.record(manager, {
        stage: 'license_expiring',
        tenantId: license.tenant_id,
        audience: 'tenant',
        subject: license.id,
        cycle: `${step}d`,
        facts: {
          tenant_name: license.tenant_name,
          license_id: license.id,
          plan_name: license.claims.plan_name,
          deployment_mode: license.deployment_mode,
          expires_at: expiresAt,
          days_left: daysLeft,
          grace_period_days: license.claims.grace_period_days,
          ...(license.last_phone_home_at ? { last_phone_home_at: new Date(license.last_phone_home_at).toISOString() } : {}),
        },
      });
      if (id) recorded += 1;
    }
    return recorded;
  }
}
