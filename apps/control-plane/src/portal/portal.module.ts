import { Module } from '@nestjs/common';
import { BillingModule } from '../billing/billing.module.js';
import { LicensesModule } from '../licenses/licenses.module.js';
import { TenantsModule } from '../tenants/tenants.module.js';
import { CustomerSessionGuard } from './customer-session.guard.js';
import { PortalController } from './portal.controller.js';
import { LicenseDownloadService } from './license-download.service.js';
import { PortalService } from './portal.service.js';

/** The customer portal's API (the pages themselves are static files, see web/). */
@Module({
  imports: [BillingModule, LicensesModule, TenantsModule],
  controllers: [PortalController],
  providers: [PortalService, CustomerSessionGuard, LicenseDownloadService],
  exports: [LicenseDownloadService],
})
export class PortalModule {}
