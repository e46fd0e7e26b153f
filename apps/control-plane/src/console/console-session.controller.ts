import { Controller, Get, Param } from '@nestjs/common';
import { z } from 'zod';
import { STAFF_ROLES } from '../auth/api-token.entity.js';
import { CurrentActor, RequestActor, RequireRole, type Actor, type AuditActor } from '../auth/auth.decorators.js';
import { UuidParamPipe } from '../common/uuid-param.pipe.js';
import { ApiReply } from '../openapi/api-reply.decorator.js';
import { ApiErrors } from '../openapi/openapi.js';
import { LicenseDownloadService } from '../portal/license-download.service.js';
import { licenseDownloadResponse } from '../portal/portal.responses.js';

const staffSessionResponse = z.object({ name: z.string(), role: z.enum(STAFF_ROLES), tenant_id: z.string().nullable() });

/** What the support console asks of the API besides the feature endpoints: who am I, and a license file again. */
@Controller('api/v1')
export class ConsoleSessionController {
  constructor(private readonly downloads: LicenseDownloadService) {}

  /** The console shows or hides actions by this role; the API enforces it anyway. */
  @Get('session')
  @RequireRole('viewer', 'service')
  @ApiReply({ summary: 'The token behind this request: name and role', schema: staffSessionResponse })
  session(@RequestActor() actor: Actor) {
    return { name: actor.name, role: actor.role, tenant_id: actor.tenantId };
  }

  @Get('licenses/:id/download')
  @RequireRole('support')
  @ApiErrors(
    { status: 404, code: 'LICENSE_NOT_FOUND', message: 'License "5f0c6a8e-…" does not exist.' },
    { status: 409, code: 'LICENSE_REVOKED', message: 'License "5f0c6a8e-…" is revoked; ask support for a new one.' },
  )
  @ApiReply({ summary: 'Download a license file and its public key', schema: licenseDownloadResponse })
  download(@Param('id', UuidParamPipe) id: string, @CurrentActor() actor: AuditActor) {
    return this.downloads.download(id, actor);
  }
}
