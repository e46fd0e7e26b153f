import { Controller, Get, Headers, Param, Res } from '@nestjs/common';
import type { Response } from 'express';
import { assertTenantScope, RequestActor, RequireRole, type Actor } from '../auth/auth.decorators.js';
import { ApiErrors } from '../openapi/openapi.js';
import { Entitlements, entitlementsEtag } from './entitlements.service.js';
import { ApiReply } from '../openapi/api-reply.decorator.js';
import { entitlementsResponse } from './billing.responses.js';

@Controller('api/v1/tenants/:tenantId/entitlements')
export class EntitlementsController {
  constructor(private readonly entitlements: Entitlements) {}

  /** Polled by SaaS tenant planes (`service` tokens); If-None-Match with the last ETag answers 304 when nothing changed. */
  @Get()
  @RequireRole('viewer', 'service')
  @ApiErrors({ status: 404, code: 'TENANT_NOT_FOUND', message: 'Tenant "acme" does not exist.' })
  @ApiReply({ summary: "A tenant's entitlements and access level", schema: entitlementsResponse })
  async get(
    @Param('tenantId') tenantId: string,
    @Headers('if-none-match') ifNoneMatch: string | undefined,
    @Res({ passthrough: true }) response: Response,
    @RequestActor() actor: Actor,
  ) {
    assertTenantScope(actor, tenantId);
    const body = await this.entitlements.forTenant(tenantId);
    const etag = entitlementsEtag(body);
    response.setHeader('ETag', etag);
    response.setHeader('Cache-Control', 'private, no-cache');
    if (ifNoneMatch?.split(',').some((candidate) => candidate.trim().replace(/^W\//, '') === etag)) {
      response.status(304);
      return undefined;
    }
    return body;
  }
}
