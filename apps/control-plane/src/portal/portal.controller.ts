import { Controller, Get, HttpCode, Param, Post, UseGuards } from '@nestjs/common';
import { Public } from '../auth/auth.decorators.js';
import type { CustomerSession } from '../billing/login-links.service.js';
import { UuidParamPipe } from '../common/uuid-param.pipe.js';
import { ApiReply, CustomerSessionRoute } from '../openapi/api-reply.decorator.js';
import { ApiErrors } from '../openapi/openapi.js';
import { CustomerSessionGuard, Session } from './customer-session.guard.js';
import {
  dailyActiveUsesResponse,
  licenseDownloadResponse,
  portalAccountResponse,
  portalLicensesResponse,
  purchasablePlansResponse,
} from './portal.responses.js';
import { LicenseDownloadService } from './license-download.service.js';
import { PortalService } from './portal.service.js';

type PortalSession = CustomerSession & { requestId: string | null };

/** The customer portal's API: everything is the session's own tenant, named by the session, never by the URL. */
@Controller('api/v1/portal')
@Public()
@UseGuards(CustomerSessionGuard)
export class PortalController {
  constructor(
    private readonly portal: PortalService,
    private readonly downloads: LicenseDownloadService,
  ) {}

  @Get('account')
  @CustomerSessionRoute()
  @ApiReply({ summary: 'The signed-in customer: tenant, subscription, access', schema: portalAccountResponse })
  account(@Session() session: PortalSession) {
    return this.portal.account(session.tenantId);
  }

  @Get('licenses')
  @CustomerSessionRoute()
  @ApiReply({ summary: "The customer's licenses and installations", schema: portalLicensesResponse })
  licenses(@Session() session: PortalSession) {
    return this.portal.licenses(session.tenantId);
  }

  @Get('licenses/:id/download')
  @CustomerSessionRoute()
  @ApiErrors(
    { status: 404, code: 'LICENSE_NOT_FOUND', message: 'License "5f0c6a8e-…" does not exist.' },
    { status: 409, code: 'LICENSE_REVOKED', message: 'License "5f0c6a8e-…" is revoked; ask support for a new one.' },
  )
  @ApiReply({ summary: 'Download a license file and its public key', schema: licenseDownloadResponse })
  download(@Session() session: PortalSession, @Param('id', UuidParamPipe) id: string) {
    return this.downloads.download(id, { actor: `login_link:${session.linkId}`, requestId: session.requestId }, session.tenantId);
  }

  @Get('active-uses')
  @CustomerSessionRoute()
  @ApiReply({ summary: 'Daily active uses, last 30 days', schema: dailyActiveUsesResponse })
  activeUses(@Session() session: PortalSession) {
    return this.portal.activeUses(session.tenantId);
  }

  @Get('plans')
  @CustomerSessionRoute()
  @ApiReply({ summary: 'Plans on sale through Checkout', schema: purchasablePlansResponse })
  plans() {
    return this.portal.plans();
  }

  @Post('sign-out')
  @HttpCode(204)
  @CustomerSessionRoute()
  @ApiReply({ summary: 'End the billing session', status: 204 })
  signOut(@Session() session: PortalSession) {
    return this.portal.signOut(session);
  }
}
