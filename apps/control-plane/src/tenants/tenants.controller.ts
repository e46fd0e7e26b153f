import { Body, Controller, Get, Param, Patch, Post, Query } from '@nestjs/common';
import { z } from 'zod';
import { CurrentActor, RequireRole, type AuditActor } from '../auth/auth.decorators.js';
import { idCursorSchema, nextCursor } from '../common/keyset-cursor.js';
import { ZodPipe } from '../common/zod-body.pipe.js';
import { tenantView } from './tenant.view.js';
import { createTenantSchema, updateTenantSchema, type CreateTenantInput, type UpdateTenantInput } from './tenants.schemas.js';
import { TenantsService } from './tenants.service.js';

const pageSchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(500).default(100),
  offset: z.coerce.number().int().min(0).default(0),
  cursor: idCursorSchema.optional(),
});

@Controller('api/v1/tenants')
export class TenantsController {
  constructor(private readonly tenants: TenantsService) {}

  @Get()
  @RequireRole('viewer')
  async list(@Query(new ZodPipe(pageSchema, 'query string')) page: z.infer<typeof pageSchema>) {
    const tenants = await this.tenants.list(page.limit, page.offset, page.cursor);
    return { items: tenants.map(tenantView), next_cursor: nextCursor(tenants, page.limit, (tenant) => [tenant.id]) };
  }

  @Get(':id')
  @RequireRole('viewer')
  async get(@Param('id') id: string) {
    return tenantView(await this.tenants.get(id));
  }

  @Post()
  @RequireRole('support')
  async create(@Body(new ZodPipe(createTenantSchema)) body: CreateTenantInput, @CurrentActor() actor: AuditActor) {
    return tenantView(await this.tenants.create(body, actor));
  }

  @Patch(':id')
  @RequireRole('support')
  async update(@Param('id') id: string, @Body(new ZodPipe(updateTenantSchema)) body: UpdateTenantInput, @CurrentActor() actor: AuditActor) {
    return tenantView(await this.tenants.update(id, body, actor));
  }
}
