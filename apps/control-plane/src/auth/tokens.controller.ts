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
import { TOKEN_SCOPES } from './token-scopes.js';

export const createTokenSchema = z.strictObject({
  name: z.string().trim().min(1).max(100),
  role: z.enum(STAFF_ROLES),
  /** Required for, and only for, the `service` role. */
  tenant_id: tenantIdSchema.optional(),
  /** An ISO date-time, or "never" (with never_expires_reason); absent: API_TOKEN_DEFAULT_TTL_DAYS from now. */
  expires_at: z.union([z.literal('never'), z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time or "never"' })]).optional(),
  never_expires_reason: z.string().trim().min(3).max(500).optional(),
  /** Narrower than the role; absent or empty: everything the role allows. */
  scopes: z.array(z.enum(TOKEN_SCOPES)).max(TOKEN_SCOPES.length).optional(),
  /** Who gets the expiry reminder, when the creator has no address of their own. */
  notify_email: z.email().max(320).optional(),
});

@Controller('api/v1/tokens')
@RequireRole('admin')
export class TokensController {
  constructor(private readonly tokens: ApiTokenService) {}

  @Post()
  @ApiReply({ summary: 'Create a staff API token', schema: createdApiTokenResponse })
  @ApiErrors({ status: 404, code: 'TENANT_NOT_FOUND', message: 'Tenant "acme" does not exist.' })
  async create(@Body(new ZodPipe(createTokenSchema)) body: z.infer<typeof createTokenSchema>, @CurrentActor() actor: AuditActor) {
    const { token, record } = await this.tokens.create(
      {
        name: body.name,
        role: body.role,
        tenantId: body.tenant_id,
        expiresAt: body.expires_at === undefined || body.expires_at === 'never' ? body.expires_at : new Date(body.expires_at),
        neverExpiresReason: body.never_expires_reason,
        scopes: body.scopes,
        notifyEmail: body.notify_email,
      },
      actor,
    );
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

  /** A new secret, shown once; the old one keeps working for API_TOKEN_ROTATION_GRACE_SECONDS. */
  @Post(':id/rotate')
  @HttpCode(200)
  @ApiReply({ summary: 'Rotate a staff API token: a new secret, the old one valid for a grace period', schema: createdApiTokenResponse })
  @ApiErrors({ status: 404, code: 'API_TOKEN_NOT_FOUND', message: 'No API token with that id.' })
  async rotate(@Param('id', UuidParamPipe) id: string, @CurrentActor() actor: AuditActor) {
    const { token, record } = await this.tokens.rotate(id, actor);
    return { token, ...record };
  }
}
