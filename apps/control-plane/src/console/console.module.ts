import { Module } from '@nestjs/common';
import { PortalModule } from '../portal/portal.module.js';
import { TenantsModule } from '../tenants/tenants.module.js';
import { ConsoleSessionController } from './console-session.controller.js';
import { SubscriptionEventsController } from './subscription-events.controller.js';

/** Read models the support console needs beyond the feature APIs. */
@Module({ imports: [TenantsModule, PortalModule], controllers: [SubscriptionEventsController, ConsoleSessionController] })
export class ConsoleModule {}
