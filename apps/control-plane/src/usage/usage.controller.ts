import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { assertTenantScope, RequestActor, RequireRole, type Actor } from '../auth/auth.decorators.js';
import { ZodPipe } from '../common/zod-body.pipe.js';
import { ApiReply } from '../openapi/api-reply.decorator.js';
import { ApiErrors } from '../openapi/openapi.js';
import { tenantUsageResponse } from './usage.responses.js';
import { usageReportSchema, type UsageReportInput } from './usage.schemas.js';
import { UsageService } from './usage.service.js';

const NOT_FOUND = { status: 404, code: 'TENANT_NOT_FOUND', message: 'Tenant "acme" does not exist.' };

@Controller('api/v1/tenants/:tenantId/usage')
export class UsageController {
  constructor(private readonly usage: UsageService) {}

  /** The latest reported usage against the plan's limits. */
  @Get()
  @RequireRole('viewer', 'service')
  @ApiReply({ summary: "The tenant's latest usage against its plan's limits", schema: tenantUsageResponse })
  @ApiErrors(NOT_FOUND)
  get(@Param('tenantId') tenantId: string, @RequestActor() actor: Actor) {
    assertTenantScope(actor, tenantId);
    return this.usage.get(tenantId);
  }

  /** SaaS and dedicated planes report users, data volume and AI credits used (BYOC planes report through phone-home). */
  @Post()
  @HttpCode(200)
  @RequireRole('service')
  @ApiReply({ summary: "Report a SaaS plane's users, data volume and AI credits used", schema: tenantUsageResponse })
  @ApiErrors(NOT_FOUND)
  report(@Param('tenantId') tenantId: string, @Body(new ZodPipe(usageReportSchema)) body: UsageReportInput, @RequestActor() actor: Actor) {
    assertTenantScope(actor, tenantId);
    return this.usage.report(tenantId, body, 'saas');
  }
}
