import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { computeLicensePhase, tokenHint } from '@atlasai/license-core';
import { AuditService } from '../audit/audit.service.js';
import type { AuditActor } from '../auth/auth.decorators.js';
import { AppError } from '../common/app-error.js';
import { CLOCK, type Clock } from '../common/clock.js';
import { LicenseVerifier } from '../keys/license-verifier.service.js';
import { LicenseEntity } from './license.entity.js';
import type { ListLicensesQuery } from './licenses.schemas.js';

/** Reading, revoking and inspecting licenses. */
@Injectable()
export class LicensesService {
  constructor(
    @InjectRepository(LicenseEntity) private readonly licenses: Repository<LicenseEntity>,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly verifier: LicenseVerifier,
    private readonly audit: AuditService,
  ) {}

  list(query: ListLicensesQuery): Promise<LicenseEntity[]> {
    const builder = this.licenses
      .createQueryBuilder('license')
      .orderBy('license.issued_at', 'DESC')
      .addOrderBy('license.id', 'DESC')
      .take(query.limit)
      .skip(query.offset);
    if (query.tenant_id) builder.andWhere('license.tenant_id = :tenantId', { tenantId: query.tenant_id });
    if (query.status) builder.andWhere('license.status = :status', { status: query.status });
    if (query.environment) builder.andWhere('license.environment = :environment', { environment: query.environment });
    if (query.lineage_id) builder.andWhere('license.lineage_id = :lineageId', { lineageId: query.lineage_id });
    if (query.expiring_before) builder.andWhere('license.expires_at < :before', { before: query.expiring_before });
    if (query.cursor) builder.andWhere('(license.issued_at, license.id) < (:cursorAt, :cursorId)', { cursorAt: query.cursor.at, cursorId: query.cursor.id });
    return builder.getMany();
  }

  async get(id: string): Promise<LicenseEntity> {
    const license = await this.licenses.findOneBy({ id });
    if (!license) throw AppError.notFound('License', id, 'LICENSE_NOT_FOUND');
    return license;
  }

  /** Revokes the license's whole lineage: no token of that installation renews again. */
  async revoke(id: string, reason: string, by: AuditActor): Promise<LicenseEntity> {
    return this.licenses.manager.transaction(async (manager) => {
      const license = await manager.findOne(LicenseEntity, { where: { id }, lock: { mode: 'pessimistic_write' } });
      if (!license) throw AppError.notFound('License', id, 'LICENSE_NOT_FOUND');
      if (license.status === 'revoked') {
        throw AppError.conflict('LICENSE_ALREADY_REVOKED', `License "${id}" was already revoked at ${license.revokedAt?.toISOString()}.`);
      }
      const revokedAt = this.clock.now();
      const revoked: string[] = [];
      // Each statement sees rows committed since the last one, so a renewal that slipped in is revoked by the next pass.
      for (let pass = 0; pass < 3; pass++) {
        const rows = (await manager.query(
          `WITH revoked AS (
             UPDATE licenses SET status = 'revoked', revoked_at = $2, revoked_reason = $3 WHERE lineage_id = $1 AND status <> 'revoked' RETURNING id
           ) SELECT id FROM revoked`,
          [license.lineageId, revokedAt, reason],
        )) as { id: string }[];
        if (rows.length === 0) break;
        revoked.push(...rows.map((row) => row.id));
      }
      await this.audit.record(manager, by, 'license.revoked', 'license', id, {
        reason,
        tenant_id: license.tenantId,
        lineage_id: license.lineageId,
        revoked_license_ids: revoked,
      });
      return manager.findOneByOrFail(LicenseEntity, { id });
    });
  }

  /** What a tenant plane would conclude from this token, plus what the CP knows of it. */
  async inspect(token: string) {
    const now = this.clock.now();
    const verification = await this.verifier.verify(token, now);
    const hint = tokenHint(token.trim());
    if (!verification.valid) {
      return {
        valid: false,
        status: 'invalid' as const,
        reason: verification.reason,
        message: verification.message,
        kid: verification.kid ?? null,
        token_hint: hint,
      };
    }
    const phase = computeLicensePhase(verification.claims, now);
    const record = await this.licenses.findOneBy({ id: verification.claims.jti });
    return {
      valid: true,
      status: phase.status,
      days_remaining: phase.days_remaining,
      phase_ends_at: phase.phase_ends_at,
      kid: verification.kid,
      token_hint: hint,
      claims: verification.claims,
      record: record ? { id: record.id, status: record.status, revoked_at: record.revokedAt, revoked_reason: record.revokedReason } : null,
    };
  }
}
