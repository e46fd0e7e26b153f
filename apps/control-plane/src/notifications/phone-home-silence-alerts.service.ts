import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { CLOCK, type Clock } from '../common/clock.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { isoTimestampSql, LAST_SUCCESSFUL_PHONE_HOME_JOIN, silentSince } from '../phone-home/phone-home-silence.js';
import { NotificationOutbox } from './notification-outbox.service.js';

interface SilentTenant {
  tenant_id: string;
  tenant_name: string;
  contact_email: string;
  license_id: string;
  plan_name: string;
  expires_at: Date;
  issued_at: Date;
  last_phone_home_at: Date | null;
  cycle: string;
}

/**
 * phone_home_silent: tells support about a BYOC tenant whose newest active license has had no
 * successful phone-home for PHONE_HOME_SILENCE_HOURS (counted from the license's issue when it never
 * phoned home). One email per silence: the cycle is the last success, so the next silence, after
 * the tenant plane came back, is a new email.
 */
@Injectable()
export class PhoneHomeSilenceAlerts {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly outbox: NotificationOutbox,
  ) {}

  async record(manager: EntityManager): Promise<number> {
    const now = this.clock.now();
    // Set-based: a silent tenant is read only while its silence has no alert yet, so a sweep with nothing
    // due reads no rows (the key is dedupeKey's, see notification-outbox.service.ts).
    const tenants = (await manager.query(
      `SELECT * FROM (SELECT DISTINCT ON (l.tenant_id) l.tenant_id, t.name AS tenant_name, t.contact_email, l.id AS license_id,
              l.claims->>'plan_name' AS plan_name, l.expires_at, l.issued_at, last_call.called_at AS last_phone_home_at,
              COALESCE(${isoTimestampSql('last_call.called_at')}, 'never:' || l.id) AS cycle
       FROM licenses l JOIN tenants t ON t.id = l.tenant_id
       ${LAST_SUCCESSFUL_PHONE_HOME_JOIN}
       WHERE l.deployment_mode = 'byoc' AND l.status = 'active' AND l.expires_at > $1
       ORDER BY l.tenant_id, l.issued_at DESC) newest
       WHERE COALESCE(newest.last_phone_home_at, newest.issued_at) < $2
         AND NOT EXISTS (SELECT 1 FROM notifications n WHERE n.dedupe_key = newest.tenant_id || '|phone_home_silent|' || newest.tenant_id || '|' || newest.cycle)`,
      [now, silentSince(now, this.config)],
    )) as SilentTenant[];
    let recorded = 0;
    for (const tenant of tenants) {
      const lastHeard = new Date(tenant.last_phone_home_at ?? tenant.issued_at);
      const id = await this.outbox.record(manager, {
        stage: 'phone_home_silent',
        tenantId: tenant.tenant_id,
        audience: 'support',
        subject: tenant.tenant_id,
        cycle: tenant.cycle,
        facts: {
          tenant_name: tenant.tenant_name,
          tenant_id: tenant.tenant_id,
          contact_email: tenant.contact_email,
          license_id: tenant.license_id,
          plan_name: tenant.plan_name,
          deployment_mode: 'byoc',
          expires_at: new Date(tenant.expires_at).toISOString(),
          silent_hours: Math.floor((now.getTime() - lastHeard.getTime()) / 3_600_000),
          ...(tenant.last_phone_home_at ? { last_phone_home_at: new Date(tenant.last_phone_home_at).toISOString() } : {}),
        },
      });
      if (id) recorded += 1;
    }
    return recorded;
  }
}
