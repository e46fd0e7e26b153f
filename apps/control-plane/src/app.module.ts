import { Module, type DynamicModule } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { AuditModule } from './audit/audit.module.js';
import { AuthModule } from './auth/auth.module.js';
import { BillingModule } from './billing/billing.module.js';
import { CLOCK, MACHINE_CLOCK, systemClock, type Clock } from './common/clock.js';
import { RateLimitsModule } from './common/rate-limits.js';
import type { AppConfig } from './config/app-config.js';
import { ConfigModule } from './config/config.module.js';
import { ConsoleModule } from './console/console.module.js';
import { DatabaseModule } from './database/database.module.js';
import { HealthModule } from './health/health.module.js';
import { KeysModule } from './keys/keys.module.js';
import { LicenseRequestsModule } from './license-requests/license-requests.module.js';
import { LicensesModule } from './licenses/licenses.module.js';
import { NotificationsModule } from './notifications/notifications.module.js';
import type { LoggingOptions } from './observability/logging.js';
import { ObservabilityModule } from './observability/observability.module.js';
import { PhoneHomeModule } from './phone-home/phone-home.module.js';
import { PlansModule } from './plans/plans.module.js';
import { PortalModule } from './portal/portal.module.js';
import { SubscriptionsModule } from './subscriptions/subscriptions.module.js';
import { TenantsModule } from './tenants/tenants.module.js';
import { UsageModule } from './usage/usage.module.js';

@Module({})
export class ClockModule {
  static forRoot(clock: Clock, machineClock: Clock = systemClock): DynamicModule {
    const providers = [
      { provide: CLOCK, useValue: clock },
      { provide: MACHINE_CLOCK, useValue: machineClock },
    ];
    return { module: ClockModule, global: true, providers, exports: [CLOCK, MACHINE_CLOCK] };
  }
}

@Module({})
export class AppModule {
  static forRoot(config: AppConfig, clock: Clock, logging: LoggingOptions = {}, machineClock?: Clock): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        ClockModule.forRoot(clock, machineClock),
        RateLimitsModule,
        ObservabilityModule.forRoot(config, logging),
        DatabaseModule.forRoot(config),
        AuditModule,
        AuthModule,
        KeysModule.forRoot(config),
        PlansModule,
        TenantsModule,
        SubscriptionsModule,
        ScheduleModule.forRoot(),
        NotificationsModule.forRoot(config, { delivers: config.NOTIFICATIONS_WORKER_IN_PROCESS, staffApi: true }),
        LicensesModule,
        BillingModule,
        LicenseRequestsModule,
        PhoneHomeModule,
        HealthModule,
        PortalModule,
        ConsoleModule,
        UsageModule,
      ],
    };
  }
}
