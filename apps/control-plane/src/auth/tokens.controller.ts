import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { z } from 'zod';
import { UuidParamPipe } from '../common/uuid-param.pipe.js';
import { ZodPipe } from '../common/zod-body.pipe.js';
import { tenantIdSchema } from '../tenants/tenants.schemas.js';
import { ApiTokenService } from './api-token.service.js';
import { STAFF_ROLES } from './api-token.entity.js';
import { CurrentActor, RequireRole, type AuditActor } from './auth.decorators.js';
import { ApiReply } from '../openapi/api-reply.decorator.js';
import { apiTokenListResponse, apiTokenResponse, createdApiTokenResponse } from './tokens.responses.js';
import { ApiErrors } from '../openapi/openapi.js';

export const createTokenSchema = z.strictObject({
  name: z.string().trim().min(1).max(100),
  role: z.enum(STAFF_ROLES),
  /** Required for, and only for, the `service` role. */
  tenant_id: tenantIdSchema.optional(),
});

@Controller('api/v1/tokens')
@RequireRole('admin')
export class TokensController {
  constructor(private readonly tokens: ApiTokenService) {}

  @Post()
  @ApiReply({ summary: 'Create a staff API token', schema: createdApiTokenResponse })
  @ApiErrors({ status: 404, code: 'TENANT_NOT_FOUND', message: 'Tenant "acme" does not exist.' })
  async create(@Body(new ZodPipe(createTokenSchema)) body: z.infer<typeof createTokenSchema>, @CurrentActor() actor: AuditActor) {
    const { token, record } = await this.tokens.create({ name: body.name, role: body.role, tenantId: body.tenant_id }, actor);
    return { token, ...record };
  }

  @Get()
  @ApiReply({ summary: 'List staff API tokens', schema: apiTokenListResponse })
  async list() {
    return { items: await this.tokens.list() };
  }

  @Post(':id/revoke')
  @HttpCode(200)
  @ApiReply({ summary: 'Revoke a staff API token', schema: apiTokenResponse })
  @ApiErrors(
    { status: 404, code: 'API_TOKEN_NOT_FOUND', message: 'API token "5f0c6a8e-…" does not exist.' },
    { status: 409, code: 'API_TOKEN_ALREADY_REVOKED', message: 'API token "5f0c6a8e-…" is already revoked.' },
  )
  revoke(@Param('id', UuidParamPipe) id: string, @CurrentActor() actor: AuditActor) {
    return this.tokens.revoke(id, actor);
  }
}
