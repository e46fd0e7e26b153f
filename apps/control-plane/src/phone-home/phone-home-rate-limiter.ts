import { Inject, Injectable } from '@nestjs/common';
import { AppError } from '../common/app-error.js';
import { RateLimits, type RateLimit } from '../common/rate-limits.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';

export type RateLimitedKey = 'address' | 'license';

/**
 * Phone-home rate limits: per source address (checked before any crypto) and per license (checked
 * once the token verified, so nobody can spend another tenant's allowance). Counted by RateLimits:
 * shared across replicas through Redis, in memory when Redis fails rather than refusing renewals.
 */
@Injectable()
export class PhoneHomeRateLimiter {
  private readonly limits: Record<RateLimitedKey, RateLimit>;

  constructor(@Inject(APP_CONFIG) config: AppConfig, rateLimits: RateLimits) {
    this.limits = {
      address: rateLimits.limit('phone-home:address', config.PHONE_HOME_RATE_LIMIT_PER_ADDRESS, 60),
      license: rateLimits.limit('phone-home:license', config.PHONE_HOME_RATE_LIMIT_PER_LICENSE, 3_600),
    };
  }

  /** Counts one call against `key`; throws RATE_LIMITED (429, with the wait) when over the limit. */
  async consume(kind: RateLimitedKey, key: string): Promise<void> {
    const retryAfterSeconds = await this.limits[kind].consume(key);
    if (retryAfterSeconds === undefined) return;
    throw new AppError(
      429,
      'RATE_LIMITED',
      kind === 'address'
        ? `Too many phone-home calls from this address; retry in ${retryAfterSeconds} s. The current license keeps working.`
        : `This license phoned home too often; retry in ${retryAfterSeconds} s. The current license keeps working.`,
      { retry_after_seconds: retryAfterSeconds },
    );
  }
}
