import { Module, type DynamicModule } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { ClockModule } from '../../control-plane/src/app.module.js';
import type { Clock } from '../../control-plane/src/common/clock.js';
import type { AppConfig } from '../../control-plane/src/config/app-config.js';
import { ConfigModule } from '../../control-plane/src/config/config.module.js';
import { DatabaseModule } from '../../control-plane/src/database/database.module.js';
import { NotificationsModule } from '../../control-plane/src/notifications/notifications.module.js';
import type { LoggingOptions } from '../../control-plane/src/observability/logging.js';
import { ObservabilityModule } from '../../control-plane/src/observability/observability.module.js';

/** The notification worker: the control plane's delivery half, without HTTP or the signing key. */
@Module({})
export class WorkerModule {
  static forRoot(config: AppConfig, clock: Clock, logging: LoggingOptions = {}): DynamicModule {
    return {
      module: WorkerModule,
      imports: [
        ConfigModule.forRoot(config),
        ClockModule.forRoot(clock),
        ObservabilityModule.forRoot(config, logging),
        DatabaseModule.forRoot(config),
        ScheduleModule.forRoot(),
        NotificationsModule.forRoot(config, { delivers: true, staffApi: false }),
      ],
    };
  }
}
