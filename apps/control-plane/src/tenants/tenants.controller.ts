import { Body, Controller, Get, Param, Patch, Post, Query } from '@nestjs/common';
import { z } from 'zod';
import { CurrentActor, RequireRole, type AuditActor } from '../auth/auth.decorators.js';
import { idCursorSchema, nextCursor } from '../common/keyset-cursor.js';
import { ZodPipe } from '../common/zod-body.pipe.js';
import { tenantView } from './tenant.view.js';
import { createTenantSchema, updateTenantSchema, type CreateTenantInput, type UpdateTenantInput } from './tenants.schemas.js';
import { TenantsService } from './tenants.service.js';
import { ApiReply } from '../openapi/api-reply.decorator.js';
import { tenantListResponse, tenantResponse } from './tenants.responses.js';
import { ApiErrors } from '../openapi/openapi.js';

const pageSchema = z.strictObject({
  /** Part of the id, name or contact email, any case. */
  q: z.string().trim().min(1).max(200).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  offset: z.coerce.number().int().min(0).default(0),
  cursor: idCursorSchema.optional(),
});

@Controller('api/v1/tenants')
export class TenantsController {
  constructor(private readonly tenants: TenantsService) {}

  @Get()
  @RequireRole('viewer')
  @ApiReply({ summary: 'List tenants', schema: tenantListResponse })
  async list(@Query(new ZodPipe(pageSchema, 'query string')) page: z.infer<typeof pageSchema>) {
    const { items, total } = await this.tenants.list(page.limit, page.offset, page.q, page.cursor);
    return {
      items: items.map(tenantView),
      total,
      next_offset: page.offset + items.length < total && !page.cursor ? page.offset + items.length : null,
      next_cursor: nextCursor(items, page.limit, (tenant) => [tenant.id]),
    };
  }

  @Get(':id')
  @RequireRole('viewer')
  @ApiReply({ summary: 'Get a tenant', schema: tenantResponse })
  @ApiErrors({ status: 404, code: 'TENANT_NOT_FOUND', message: 'Tenant "acme" does not exist.' })
  async get(@Param('id') id: string) {
    return tenantView(await this.tenants.get(id));
  }

  @Post()
  @RequireRole('support')
  @ApiReply({ summary: 'Create a tenant', schema: tenantResponse })
  @ApiErrors({ status: 409, code: 'TENANT_EXISTS', message: 'Tenant "acme" already exists.' })
  async create(@Body(new ZodPipe(createTenantSchema)) body: CreateTenantInput, @CurrentActor() actor: AuditActor) {
    return tenantView(await this.tenants.create(body, actor));
  }

  @Patch(':id')
  @RequireRole('support')
  @ApiReply({ summary: 'Update a tenant', schema: tenantResponse })
  @ApiErrors({ status: 404, code: 'TENANT_NOT_FOUND', message: 'Tenant "acme" does not exist.' })
  async update(@Param('id') id: string, @Body(new ZodPipe(updateTenantSchema)) body: UpdateTenantInput, @CurrentActor() actor: AuditActor) {
    return tenantView(await this.tenants.update(id, body, actor));
  }
}
