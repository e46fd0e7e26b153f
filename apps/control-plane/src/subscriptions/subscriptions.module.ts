import { Global, Module } from '@nestjs/common';
import { SubscriptionHistory } from './subscription-history.service.js';
import { SubscriptionsController } from './subscriptions.controller.js';
import { SubscriptionsService } from './subscriptions.service.js';

@Global()
@Module({
  controllers: [SubscriptionsController],
  providers: [SubscriptionsService, SubscriptionHistory],
  exports: [SubscriptionsService, SubscriptionHistory],
})
export class SubscriptionsModule {}
