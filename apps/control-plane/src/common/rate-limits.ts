import { Global, Inject, Injectable, Logger, Module, type OnModuleDestroy } from '@nestjs/common';
import { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';

/** One rate limit: `points` calls per window per key. */
export class RateLimit {
  constructor(private readonly limiter: RateLimiterAbstract) {}

  /** Counts one call against `key`; returns the seconds to wait when over the limit, undefined when allowed. */
  async consume(key: string): Promise<number | undefined> {
    try {
      await this.limiter.consume(key);
      return undefined;
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) throw rejection;
      return Math.max(1, Math.ceil(rejection.msBeforeNext / 1000));
    }
  }
}

/**
 * Builds rate limits that share one Redis connection. With Redis the counts are shared by every
 * replica; if Redis fails, counting falls back to this process's memory rather than refusing callers.
 */
@Injectable()
export class RateLimits implements OnModuleDestroy {
  private readonly logger = new Logger(RateLimits.name);
  private readonly redis: Redis | undefined;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    this.redis = config.REDIS_URL
      ? new Redis(config.REDIS_URL, {
          enableOfflineQueue: false,
          enableAutoPipelining: true,
          maxRetriesPerRequest: 1,
          connectionName: 'la-rate-limit',
        })
      : undefined;
    this.redis?.on('error', (error: Error) => this.logger.warn(`rate-limit store unavailable, counting in memory: ${error.message}`));
  }

  /** `points` calls per `durationSeconds` per key, counted under `<REDIS_KEY_PREFIX>:<name>`. */
  limit(name: string, points: number, durationSeconds: number): RateLimit {
    const keyPrefix = `${this.config.REDIS_KEY_PREFIX}:${name}`;
    const memory = new RateLimiterMemory({ keyPrefix, points, duration: durationSeconds });
    if (!this.redis) return new RateLimit(memory);
    return new RateLimit(
      new RateLimiterRedis({ storeClient: this.redis, keyPrefix, points, duration: durationSeconds, rejectIfRedisNotReady: true, insuranceLimiter: memory }),
    );
  }

  onModuleDestroy(): void {
    this.redis?.disconnect();
  }
}

/** Global, so every feature builds its limits on the one connection. */
@Global()
@Module({ providers: [RateLimits], exports: [RateLimits] })
export class RateLimitsModule {}
