import { Global, Module } from '@nestjs/common';
import { UsageController } from './usage.controller.js';
import { UsageService } from './usage.service.js';

/** Usage reported by tenant planes, against the plan's limits, with the 80% and 100% emails (global: phone-home records it too). */
@Global()
@Module({ controllers: [UsageController], providers: [UsageService], exports: [UsageService] })
export class UsageModule {}
