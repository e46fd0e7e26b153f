import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { CLOCK, type Clock } from '../common/clock.js';
import { nextCursor, timeCursorOf } from '../common/keyset-cursor.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { TenantsService } from '../tenants/tenants.service.js';
import { CloneAlertEntity } from './clone-alert.entity.js';
import { LAST_SUCCESSFUL_PHONE_HOME_JOIN, silentSince } from './phone-home-silence.js';
import { PhoneHomeEntity, SUCCESSFUL_RESULTS } from './phone-home.entity.js';
import type { ActiveUsesQuery, CloneAlertsQuery, PhoneHomeHistoryQuery, SilentInstallationsQuery } from './phone-home.schemas.js';

interface SilentRow {
  tenant_id: string;
  tenant_name: string;
  contact_email: string;
  license_id: string;
  lineage_id: string;
  environment: string | null;
  plan_name: string | null;
  issued_at: Date;
  expires_at: Date;
  last_phone_home_at: Date | null;
}

/** Staff views of the phone-home record: per-tenant history, active-use reports, clone alerts. */
@Injectable()
export class PhoneHomeHistoryService {
  constructor(
    @InjectRepository(PhoneHomeEntity) private readonly phoneHomes: Repository<PhoneHomeEntity>,
    @InjectRepository(CloneAlertEntity) private readonly cloneAlerts: Repository<CloneAlertEntity>,
    private readonly tenants: TenantsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async history(tenantId: string, query: PhoneHomeHistoryQuery) {
    await this.tenants.get(tenantId);
    const page = this.phoneHomes
      .createQueryBuilder('p')
      .where('p.tenant_id = :tenantId', { tenantId })
      .orderBy('p.called_at', 'DESC')
      .addOrderBy('p.id', 'DESC')
      .take(query.limit);
    if (query.before) page.andWhere('p.called_at < :before', { before: new Date(query.before) });
    if (query.cursor) page.andWhere('(p.called_at, p.id) < (:cursorAt, :cursorId)', { cursorAt: query.cursor.at, cursorId: query.cursor.id });
    const [items, lastSuccess] = await Promise.all([
      page.getMany(),
      this.phoneHomes
        .createQueryBuilder('p')
        .where('p.tenant_id = :tenantId AND p.result IN (:...results)', { tenantId, results: SUCCESSFUL_RESULTS })
        .orderBy('p.called_at', 'DESC')
        .getOne(),
    ]);
    return {
      tenant_id: tenantId,
      last_successful_phone_home: lastSuccess ? phoneHomeView(lastSuccess) : null,
      items: items.map(phoneHomeView),
      next_cursor: nextCursor(items, query.limit, (call) => timeCursorOf(call.calledAt, call.id)),
    };
  }

  /** The active-use reports over time, oldest first, as a chart wants them. */
  async activeUses(tenantId: string, query: ActiveUsesQuery) {
    await this.tenants.get(tenantId);
    const rows = await this.phoneHomes
      .createQueryBuilder('p')
      .where('p.tenant_id = :tenantId AND p.active_uses IS NOT NULL', { tenantId })
      .andWhere(query.before ? 'p.called_at < :before' : 'TRUE', { before: query.before })
      .orderBy('p.called_at', 'DESC')
      .take(query.limit)
      .getMany();
    return {
      tenant_id: tenantId,
      items: rows.reverse().map((row) => ({
        reported_at: row.calledAt,
        active_uses: row.activeUses,
        period_start: row.usagePeriodStart,
        period_end: row.usagePeriodEnd,
        license_id: row.licenseId,
      })),
    };
  }

  async alerts(query: CloneAlertsQuery) {
    const page = this.cloneAlerts.createQueryBuilder('a').orderBy('a.detected_at', 'DESC').addOrderBy('a.id', 'DESC').take(query.limit);
    if (query.tenant_id) page.andWhere('a.tenant_id = :tenantId', { tenantId: query.tenant_id });
    if (query.cursor) page.andWhere('(a.detected_at, a.id) < (:cursorAt, :cursorId)', { cursorAt: query.cursor.at, cursorId: query.cursor.id });
    const rows = await page.getMany();
    return {
      next_cursor: nextCursor(rows, query.limit, (alert) => timeCursorOf(alert.detectedAt, alert.id)),
      items: rows.map((alert) => ({
        id: alert.id,
        tenant_id: alert.tenantId,
        license_id: alert.licenseId,
        lineage_id: alert.lineageId,
        reason: alert.reason,
        details: alert.details,
        source_address: alert.sourceAddress,
        fingerprint: alert.fingerprint,
        detected_at: alert.detectedAt,
      })),
    };
  }

  /**
   * The silence rule of the phone_home_silent alert and the la_installations_silent gauge, as a list: each
   * tenant whose newest active BYOC license has had no successful phone-home for PHONE_HOME_SILENCE_HOURS
   * (counted from the license's issue when it never phoned home). Keyset-paged by tenant id.
   */
  async silentInstallations(query: SilentInstallationsQuery) {
    const now = this.clock.now();
    const rows = (await this.phoneHomes.manager.query(
      `SELECT silent.*, t.name AS tenant_name, t.contact_email FROM (
         SELECT DISTINCT ON (l.tenant_id) l.tenant_id, l.id AS license_id, l.lineage_id, l.environment,
                l.claims->>'plan_name' AS plan_name, l.issued_at, l.expires_at, last_call.called_at AS last_phone_home_at
         FROM licenses l ${LAST_SUCCESSFUL_PHONE_HOME_JOIN}
         WHERE l.deployment_mode = 'byoc' AND l.status = 'active' AND l.expires_at > $1 AND ($3::text IS NULL OR l.tenant_id > $3)
         ORDER BY l.tenant_id, l.issued_at DESC) silent
       JOIN tenants t ON t.id = silent.tenant_id
       WHERE COALESCE(silent.last_phone_home_at, silent.issued_at) < $2
       ORDER BY silent.tenant_id LIMIT $4`,
      [now, silentSince(now, this.config), query.cursor ?? null, query.limit],
    )) as SilentRow[];
    return {
      silence_hours: this.config.PHONE_HOME_SILENCE_HOURS,
      next_cursor: nextCursor(rows, query.limit, (row) => [row.tenant_id]),
      items: rows.map((row) => ({
        ...row,
        issued_at: new Date(row.issued_at),
        expires_at: new Date(row.expires_at),
        last_phone_home_at: row.last_phone_home_at === null ? null : new Date(row.last_phone_home_at),
        silent_hours: Math.floor((now.getTime() - new Date(row.last_phone_home_at ?? row.issued_at).getTime()) / 3_600_000),
      })),
    };
  }
}

function phoneHomeView(call: PhoneHomeEntity) {
  return {
    id: call.id,
    called_at: call.calledAt,
    license_id: call.licenseId,
    lineage_id: call.lineageId,
    result: call.result,
    renewed_license_id: call.renewedLicenseId,
    tp_version: call.tpVersion,
    source_address: call.sourceAddress,
    fingerprint: call.fingerprint,
    usage: call.activeUses === null ? null : { active_uses: call.activeUses, period_start: call.usagePeriodStart, period_end: call.usagePeriodEnd },
  };
}
