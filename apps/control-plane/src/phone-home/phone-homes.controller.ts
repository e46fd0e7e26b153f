import { Controller, Get, Param, Query } from '@nestjs/common';
import { RequireRole } from '../auth/auth.decorators.js';
import { ZodPipe } from '../common/zod-body.pipe.js';
import { ApiErrors } from '../openapi/openapi.js';
import { PhoneHomeHistoryService } from './phone-home-history.service.js';
import {
  activeUsesQuerySchema,
  cloneAlertsQuerySchema,
  phoneHomeHistoryQuerySchema,
  silentInstallationsQuerySchema,
  type ActiveUsesQuery,
  type CloneAlertsQuery,
  type PhoneHomeHistoryQuery,
  type SilentInstallationsQuery,
} from './phone-home.schemas.js';
import { ApiReply } from '../openapi/api-reply.decorator.js';
import { activeUsesResponse, cloneAlertListResponse, phoneHomeHistoryResponse, silentInstallationListResponse } from './phone-home.responses.js';

const TENANT_NOT_FOUND = { status: 404, code: 'TENANT_NOT_FOUND', message: 'Tenant "acme" does not exist.' };

/** What support sees of the BYOC tenant planes calling home. */
@Controller('api/v1')
export class PhoneHomesController {
  constructor(private readonly history: PhoneHomeHistoryService) {}

  @Get('tenants/:id/phone-homes')
  @RequireRole('viewer')
  @ApiErrors(TENANT_NOT_FOUND)
  @ApiReply({ summary: "A tenant's phone-home history", schema: phoneHomeHistoryResponse })
  phoneHomes(@Param('id') tenantId: string, @Query(new ZodPipe(phoneHomeHistoryQuerySchema, 'query string')) query: PhoneHomeHistoryQuery) {
    return this.history.history(tenantId, query);
  }

  @Get('tenants/:id/active-uses')
  @RequireRole('viewer')
  @ApiErrors(TENANT_NOT_FOUND)
  @ApiReply({ summary: "A tenant's reported active uses", schema: activeUsesResponse })
  activeUses(@Param('id') tenantId: string, @Query(new ZodPipe(activeUsesQuerySchema, 'query string')) query: ActiveUsesQuery) {
    return this.history.activeUses(tenantId, query);
  }

  @Get('clone-alerts')
  @RequireRole('viewer')
  @ApiReply({ summary: 'List clone alerts', schema: cloneAlertListResponse })
  cloneAlerts(@Query(new ZodPipe(cloneAlertsQuerySchema, 'query string')) query: CloneAlertsQuery) {
    return this.history.alerts(query);
  }

  @Get('silent-installations')
  @RequireRole('viewer')
  @ApiReply({ summary: 'List BYOC installations silent for PHONE_HOME_SILENCE_HOURS', schema: silentInstallationListResponse })
  silentInstallations(@Query(new ZodPipe(silentInstallationsQuerySchema, 'query string')) query: SilentInstallationsQuery) {
    return this.history.silentInstallations(query);
  }
}
