import { Controller, Get, Headers, Param, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { assertTenantScope, RequestActor, RequireRole, type Actor } from '../auth/auth.decorators.js';
import { ApiReply } from '../openapi/api-reply.decorator.js';
import { ApiErrors } from '../openapi/openapi.js';
import { TenantsService } from '../tenants/tenants.service.js';
import { EntitlementStreams } from './entitlements-stream.service.js';

@Controller('api/v1/tenants/:tenantId/entitlements/stream')
export class EntitlementsStreamController {
  constructor(
    private readonly streams: EntitlementStreams,
    private readonly tenants: TenantsService,
  ) {}

  /**
   * Server-Sent Events for SaaS tenant planes: an `entitlements` event (id = the ETag) now unless
   * Last-Event-ID is already current, then one at every committed change, and a comment every 15 s.
   */
  @Get()
  @RequireRole('viewer', 'service')
  @ApiReply({ summary: "Follow the tenant's entitlements as Server-Sent Events", produces: 'text/event-stream' })
  @ApiErrors({ status: 404, code: 'TENANT_NOT_FOUND', message: 'Tenant "acme" does not exist.' })
  async stream(
    @Param('tenantId') tenantId: string,
    @Headers('last-event-id') lastEventId: string | undefined,
    @Req() request: Request,
    @Res() response: Response,
    @RequestActor() actor: Actor,
  ): Promise<void> {
    assertTenantScope(actor, tenantId);
    if (!this.streams.follows(tenantId)) await this.tenants.get(tenantId);
    response.status(200);
    response.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    response.setHeader('Cache-Control', 'no-cache, no-transform');
    // Proxies such as nginx buffer responses unless told not to; a buffered event arrives late.
    response.setHeader('X-Accel-Buffering', 'no');
    response.flushHeaders();
    request.socket.setNoDelay(true);
    request.socket.setKeepAlive(true);
    response.write(': connected\n\n');
    const close = this.streams.open(tenantId, response, lastEventId?.trim() || undefined);
    response.on('close', close);
  }
}
