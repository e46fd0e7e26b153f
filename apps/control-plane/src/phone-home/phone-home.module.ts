import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { CloneAlertEntity } from './clone-alert.entity.js';
import { PhoneHomeHistoryService } from './phone-home-history.service.js';
import { PhoneHomeRateLimiter } from './phone-home-rate-limiter.js';
import { PhoneHomeController } from './phone-home.controller.js';
import { PhoneHomeEntity } from './phone-home.entity.js';
import { PhoneHomeService } from './phone-home.service.js';
import { PhoneHomesController } from './phone-homes.controller.js';

@Module({
  imports: [TypeOrmModule.forFeature([PhoneHomeEntity, CloneAlertEntity])],
  controllers: [PhoneHomeController, PhoneHomesController],
  providers: [PhoneHomeService, PhoneHomeHistoryService, PhoneHomeRateLimiter],
})
export class PhoneHomeModule {}
