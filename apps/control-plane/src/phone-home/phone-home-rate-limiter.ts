import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { AppError } from '../common/app-error.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';

export type RateLimitedKey = 'address' | 'license';

/**
 * Phone-home rate limits: per source address (checked before any crypto) and per license (checked
 * once the token verified, so nobody can spend another tenant's allowance). With Redis the counts
 * are shared by every replica; if Redis fails, counting falls back to this process's memory rather
 * than refusing renewals.
 */
@Injectable()
export class PhoneHomeRateLimiter implements OnModuleDestroy {
  private readonly logger = new Logger(PhoneHomeRateLimiter.name);
  private readonly redis: Redis | undefined;
  private readonly limiters: Record<RateLimitedKey, RateLimiterAbstract>;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.redis = config.REDIS_URL
      ? new Redis(config.REDIS_URL, {
          enableOfflineQueue: false,
          enableAutoPipelining: true,
          maxRetriesPerRequest: 1,
          connectionName: 'la-phone-home-rate-limit',
        })
      : undefined;
    this.redis?.on('error', (error: Error) => this.logger.warn(`rate-limit store unavailable, counting in memory: ${error.message}`));
    const prefix = `${config.REDIS_KEY_PREFIX}:phone-home`;
    this.limiters = {
      address: this.limiter(`${prefix}:address`, config.PHONE_HOME_RATE_LIMIT_PER_ADDRESS, 60),
      license: this.limiter(`${prefix}:license`, config.PHONE_HOME_RATE_LIMIT_PER_LICENSE, 3_600),
    };
  }

  /** Counts one call against `key`; throws RATE_LIMITED (429, with the wait) when over the limit. */
  async consume(kind: RateLimitedKey, key: string): Promise<void> {
    try {
      await this.limiters[kind].consume(key);
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) throw rejection;
      const retryAfterSeconds = Math.max(1, Math.ceil(rejection.msBeforeNext / 1000));
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

  private limiter(keyPrefix: string, points: number, duration: number): RateLimiterAbstract {
    const memory = new RateLimiterMemory({ keyPrefix, points, duration });
    if (!this.redis) return memory;
    return new RateLimiterRedis({ storeClient: this.redis, keyPrefix, points, duration, rejectIfRedisNotReady: true, insuranceLimiter: memory });
  }

  onModuleDestroy(): void {
    this.redis?.disconnect();
  }
}
