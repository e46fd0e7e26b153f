import { Global, Module, type DynamicModule } from '@nestjs/common';
import { ApiTokenExpiryReminders } from '../auth/api-token-expiry-reminders.service.js';
import type { AppConfig } from '../config/app-config.js';
import { LicenseExpiryReminders } from './license-expiry-reminders.service.js';
import { createMailer, Mailer } from './mailer.js';
import { NotificationDeliveryService } from './notification-delivery.service.js';
import { NOTIFICATION_DELIVERY_OPTIONS, type NotificationDeliveryOptions } from './notification-delivery.options.js';
import { NotificationOutbox } from './notification-outbox.service.js';
import { NotificationQueueService } from './notification-queue.service.js';
import { NotificationRelay } from './notification-relay.service.js';
import { NotificationSchedules } from './notification-schedules.cron.js';
import { NotificationProcessor } from './notification.processor.js';
import { NotificationsController } from './notifications.controller.js';
import { NotificationsService } from './notifications.service.js';
import { PhoneHomeRetention } from '../phone-home/phone-home-retention.service.js';
import { PhoneHomeSilenceAlerts } from './phone-home-silence-alerts.service.js';

export interface NotificationsModuleOptions extends NotificationDeliveryOptions {
  /** The staff endpoints (control plane only; the worker serves no HTTP). */
  staffApi: boolean;
}

/**
 * The outbox (global: every feature records its notifications with it) and, through `forRoot`,
 * delivery: relay, queue, worker, mailer, templates, reminders and the staff view.
 */
@Global()
@Module({ providers: [NotificationOutbox], exports: [NotificationOutbox] })
export class NotificationsModule {
  static forRoot(config: AppConfig, options: NotificationsModuleOptions): DynamicModule {
    return {
      module: NotificationsModule,
      controllers: options.staffApi ? [NotificationsController] : [],
      providers: [
        { provide: NOTIFICATION_DELIVERY_OPTIONS, useValue: { delivers: options.delivers } satisfies NotificationDeliveryOptions },
        { provide: Mailer, useFactory: () => createMailer(config) },
        NotificationDeliveryService,
        NotificationQueueService,
        NotificationProcessor,
        NotificationRelay,
        LicenseExpiryReminders,
        PhoneHomeSilenceAlerts,
        PhoneHomeRetention,
        ApiTokenExpiryReminders,
        NotificationSchedules,
        ...(options.staffApi ? [NotificationsService] : []),
      ],
    };
  }
}
