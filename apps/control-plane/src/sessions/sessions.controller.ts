import { Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { CurrentActor, RequireRole, type AuditActor } from '../auth/auth.decorators.js';
import { UuidParamPipe } from '../common/uuid-param.pipe.js';
import { StaffSessionsService } from './staff-sessions.service.js';
import { ApiReply } from '../openapi/api-reply.decorator.js';
import { ApiErrors } from '../openapi/openapi.js';
import { staffSessionListResponse, staffSessionResponse } from './sessions.responses.js';

/** Admins see who is signed in to the console and can end a session (its next request is 401). */
@Controller('api/v1/sessions')
@RequireRole('admin')
export class SessionsController {
  constructor(private readonly sessions: StaffSessionsService) {}

  @Get()
  @ApiReply({ summary: 'Live console sessions', schema: staffSessionListResponse })
  async list() {
    return { items: await this.sessions.listLive() };
  }

  @Post(':id/revoke')
  @HttpCode(200)
  @ApiReply({ summary: 'End a console session', schema: staffSessionResponse })
  @ApiErrors({ status: 404, code: 'SESSION_NOT_FOUND', message: 'No session with that id.' })
  revoke(@Param('id', UuidParamPipe) id: string, @CurrentActor() actor: AuditActor) {
    return this.sessions.revoke(id, actor);
  }
}
