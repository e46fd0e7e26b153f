import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import type { AuditActor } from '../auth/auth.decorators.js';
import { AppError } from '../common/app-error.js';
import { SigningKeyService } from '../keys/signing-key.service.js';
import { LicenseIssuerService } from '../licenses/license-issuer.service.js';
import { LicenseEntity } from '../licenses/license.entity.js';

/**
 * A license file again, re-signed from its stored claims (the same token: RS256 is deterministic),
 * with the key that verifies it. A revoked license is not handed out again. Every download is audited.
 */
@Injectable()
export class LicenseDownloadService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly issuer: LicenseIssuerService,
    private readonly keys: SigningKeyService,
    private readonly audit: AuditService,
  ) {}

  /** `tenantId` limits a customer to their own licenses; staff pass undefined. */
  async download(licenseId: string, by: AuditActor, tenantId?: string) {
    const license = await this.dataSource.manager.findOneBy(LicenseEntity, { id: licenseId, ...(tenantId ? { tenantId } : {}) });
    if (!license) throw AppError.notFound('License', licenseId, 'LICENSE_NOT_FOUND');
    if (license.status === 'revoked') throw new AppError(409, 'LICENSE_REVOKED', `License "${licenseId}" is revoked; ask support for a new one.`);
    const token = await this.issuer.resign(license.claims);
    await this.dataSource.transaction((manager) =>
      this.audit.record(manager, by, 'license.downloaded', 'license', license.id, { tenant_id: license.tenantId }),
    );
    return { license_id: license.id, token, public_key_pem: this.keys.activePublicKeyPem };
  }
}
