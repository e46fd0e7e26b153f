import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { z } from 'zod';
import { UuidParamPipe } from '../common/uuid-param.pipe.js';
import { ZodPipe } from '../common/zod-body.pipe.js';
import { tenantIdSchema } from '../tenants/tenants.schemas.js';
import { ApiTokenService } from './api-token.service.js';
import { STAFF_ROLES } from './api-token.entity.js';
import { CurrentActor, RequireRole, type AuditActor } from './auth.decorators.js';

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
  async create(@Body(new ZodPipe(createTokenSchema)) body: z.infer<typeof createTokenSchema>, @CurrentActor() actor: AuditActor) {
    const { token, record } = await this.tokens.create({ name: body.name, role: body.role, tenantId: body.tenant_id }, actor);
    return { token, ...record };
  }

  @Get()
  async list() {
    return { items: await this.tokens.list() };
  }

  @Post(':id/revoke')
  @HttpCode(200)
  revoke(@Param('id', UuidParamPipe) id: string, @CurrentActor() actor: AuditActor) {
    return this.tokens.revoke(id, actor);
  }
}
