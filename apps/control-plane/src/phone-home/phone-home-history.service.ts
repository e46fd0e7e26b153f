import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { LessThan, Repository, type FindOptionsWhere } from 'typeorm';
import { TenantsService } from '../tenants/tenants.service.js';
import { CloneAlertEntity } from './clone-alert.entity.js';
import { PhoneHomeEntity, SUCCESSFUL_RESULTS } from './phone-home.entity.js';
import type { CloneAlertsQuery, PhoneHomeHistoryQuery } from './phone-home.schemas.js';

/** Staff views of the phone-home record: per-tenant history, active-use reports, clone alerts. */
@Injectable()
export class PhoneHomeHistoryService {
  constructor(
    @InjectRepository(PhoneHomeEntity) private readonly phoneHomes: Repository<PhoneHomeEntity>,
    @InjectRepository(CloneAlertEntity) private readonly cloneAlerts: Repository<CloneAlertEntity>,
    private readonly tenants: TenantsService,
  ) {}

  async history(tenantId: string, query: PhoneHomeHistoryQuery) {
    await this.tenants.get(tenantId);
    const where: FindOptionsWhere<PhoneHomeEntity> = { tenantId, ...(query.before ? { calledAt: LessThan(new Date(query.before)) } : {}) };
    const [items, lastSuccess] = await Promise.all([
      this.phoneHomes.find({ where, order: { calledAt: 'DESC' }, take: query.limit }),
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
    };
  }

  /** The active-use reports over time, oldest first, as a chart wants them. */
  async activeUses(tenantId: string, query: PhoneHomeHistoryQuery) {
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
    const rows = await this.cloneAlerts.find({
      where: query.tenant_id ? { tenantId: query.tenant_id } : {},
      order: { detectedAt: 'DESC' },
      take: query.limit,
    });
    return {
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
