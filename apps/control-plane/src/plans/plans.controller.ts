import { Body, Controller, Get, Param, Patch, Post } from '@nestjs/common';
import { CurrentActor, RequireRole, type AuditActor } from '../auth/auth.decorators.js';
import { ZodPipe } from '../common/zod-body.pipe.js';
import { createPlanSchema, updatePlanSchema, type CreatePlanInput, type UpdatePlanInput } from './plans.schemas.js';
import { PlansService } from './plans.service.js';
import { planView } from './plan.view.js';
import { ApiReply } from '../openapi/api-reply.decorator.js';
import { planListResponse, planResponse } from './plans.responses.js';
import { ApiErrors } from '../openapi/openapi.js';

@Controller('api/v1/plans')
export class PlansController {
  constructor(private readonly plans: PlansService) {}

  @Get()
  @RequireRole('viewer')
  @ApiReply({ summary: 'List plans', schema: planListResponse })
  async list() {
    return { items: (await this.plans.list()).map(planView) };
  }

  @Get(':id')
  @RequireRole('viewer')
  @ApiReply({ summary: 'Get a plan', schema: planResponse })
  @ApiErrors({ status: 404, code: 'PLAN_NOT_FOUND', message: 'Plan "gold" does not exist.' })
  async get(@Param('id') id: string) {
    return planView(await this.plans.get(id));
  }

  @Post()
  @RequireRole('support')
  @ApiReply({ summary: 'Create a plan', schema: planResponse })
  @ApiErrors({ status: 409, code: 'PLAN_EXISTS', message: 'Plan "gold" already exists.' })
  async create(@Body(new ZodPipe(createPlanSchema)) body: CreatePlanInput, @CurrentActor() actor: AuditActor) {
    return planView(await this.plans.create(body, actor));
  }

  @Patch(':id')
  @RequireRole('support')
  @ApiReply({ summary: 'Update a plan', schema: planResponse })
  @ApiErrors({ status: 404, code: 'PLAN_NOT_FOUND', message: 'Plan "gold" does not exist.' })
  async update(@Param('id') id: string, @Body(new ZodPipe(updatePlanSchema)) body: UpdatePlanInput, @CurrentActor() actor: AuditActor) {
    return planView(await this.plans.update(id, body, actor));
  }
}
