import { Inject, Injectable } from '@nestjs/common';
import { verifyLicenseToken, type LicenseVerification } from '@atlasai/license-core';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { SigningKeyService } from './signing-key.service.js';

/** Verifies a token exactly as a tenant plane would, against every key the CP has used. */
@Injectable()
export class LicenseVerifier {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly keys: SigningKeyService,
  ) {}

  verify(token: string, now: Date): Promise<LicenseVerification> {
    return verifyLicenseToken(token, {
      keys: (kid) => this.keys.publicKeyFor(kid),
      issuer: this.config.LICENSE_ISSUER,
      audience: this.config.LICENSE_AUDIENCE,
      now,
      clockToleranceSeconds: this.config.LICENSE_CLOCK_SKEW_SECONDS,
    });
  }
}
