import { Module } from '@nestjs/common';
import { BillingModule } from '../billing/billing.module.js';
import { LicenseRequestsController } from './license-requests.controller.js';
import { LicenseRequestsService } from './license-requests.service.js';

/** Customers ask for licenses; support approves (issuing the license) or declines. */
@Module({ imports: [BillingModule], controllers: [LicenseRequestsController], providers: [LicenseRequestsService] })
export class LicenseRequestsModule {}
