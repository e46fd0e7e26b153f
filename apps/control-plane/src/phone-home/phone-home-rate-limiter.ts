import { Inject, Injectable } from '@nestjs/common';
import { AppError } from '../common/app-error.js';
import { RateLimits, type RateLimit } from '../common/rate-limits.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';

/**
 * Phone-home rate limits: per source address and per license (only for a token that verified, so nobody
 * can spend another tenant's allowance). Counted by RateLimits: shared across replicas through Redis, in
 * memory when Redis fails rather than refusing renewals.
 */
@Injectable()
export class PhoneHomeRateLimiter {
  private readonly byAddress: RateLimit;
  private readonly byLicense: RateLimit;

  constructor(@Inject(APP_CONFIG) config: AppConfig, rateLimits: RateLimits) {
    this.byAddress = rateLimits.limit('phone-home:address', config.PHONE_HOME_RATE_LIMIT_PER_ADDRESS, 60);
    this.byLicense = rateLimits.limit('phone-home:license', config.PHONE_HOME_RATE_LIMIT_PER_LICENSE, 3_600);
  }

  /**
   * Counts one call against the address and, when given, the license, together (the Redis client
   * pipelines both into one round trip); throws RATE_LIMITED (429, with the wait) when either is over.
   */
  async consume(address: string, licenseId: string | undefined): Promise<void> {
    const [addressWait, licenseWait] = await Promise.all([
      this.byAddress.consume(address),
      licenseId === undefined ? undefined : this.byLicense.consume(licenseId),
    ]);
    if (addressWait !== undefined) {
      throw rateLimited(`Too many phone-home calls from this address; retry in ${addressWait} s. The current license keeps working.`, addressWait);
    }
    if (licenseWait !== undefined) {
      throw rateLimited(`This license phoned home too often; retry in ${licenseWait} s. The current license keeps working.`, licenseWait);
    }
  }
}

function rateLimited(message: string, retryAfterSeconds: number): AppError {
  return new AppError(429, 'RATE_LIMITED', message, { retry_after_seconds: retryAfterSeconds });
}
