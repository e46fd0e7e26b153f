import { Controller, Get, ServiceUnavailableException } from '@nestjs/common';
import { HealthCheckService, HealthIndicatorService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { Public } from '../auth/auth.decorators.js';
import { AppError } from '../common/app-error.js';
import { ClockSkewMonitor } from '../keys/clock-skew.monitor.js';
import { SigningKeyService } from '../keys/signing-key.service.js';
import { ApiErrors } from '../openapi/openapi.js';
import { PROBE_TIMEOUT_MS, RedisHealth } from './redis-health.js';
import { ApiReply } from '../openapi/api-reply.decorator.js';
import { livenessResponse, readinessResponse } from './health.responses.js';

@Controller('api/health')
@Public()
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly database: TypeOrmHealthIndicator,
    private readonly redis: RedisHealth,
    private readonly keys: SigningKeyService,
    private readonly clockSkew: ClockSkewMonitor,
  ) {}

  /** Liveness: the process serves HTTP. A dependency outage must not restart it, so nothing else is checked. */
  @Get()
  @ApiReply({ summary: 'Liveness probe', schema: livenessResponse })
  live() {
    return { status: 'ok' };
  }

  /** Readiness: route traffic here only while the database, Redis (when configured), the signing key and this replica's clock are usable. */
  @Get('ready')
  @ApiErrors({ status: 503, code: 'NOT_READY', message: 'A dependency of this replica is unavailable.' })
  @ApiReply({ summary: 'Readiness probe', schema: readinessResponse })
  async ready() {
    try {
      return await this.health.check([
        () => this.database.pingCheck('database', { timeout: PROBE_TIMEOUT_MS }),
        ...(this.redis.configured ? [() => this.indicators.check('redis').attempt(() => this.redis.ping())] : []),
        () => {
          const check = this.indicators.check('signing_key');
          return this.keys.isLoaded ? check.up({ kid: this.keys.activeKid }) : check.down({ message: 'the signing key is not loaded' });
        },
        async () => {
          const check = this.indicators.check('clock');
          const skew = await this.clockSkew.measure().catch(() => undefined);
          if (!skew) return check.down({ message: "the database's clock cannot be read" });
          return skew.withinTolerance
            ? check.up({ offset_ms: skew.offsetMs })
            : check.down({ offset_ms: skew.offsetMs, message: this.clockSkew.describe(skew) });
        },
      ]);
    } catch (error) {
      if (!(error instanceof ServiceUnavailableException)) throw error;
      // Same error shape as every other endpoint; `details` says which dependency is down.
      throw new AppError(503, 'NOT_READY', 'A dependency of this replica is unavailable.', error.getResponse());
    }
  }
}
