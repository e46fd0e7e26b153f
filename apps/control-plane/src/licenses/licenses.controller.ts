import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query } from '@nestjs/common';
import type { z } from 'zod';
import { CurrentActor, RequireRole, type AuditActor } from '../auth/auth.decorators.js';
import { CLOCK, type Clock } from '../common/clock.js';
import { UuidParamPipe } from '../common/uuid-param.pipe.js';
import { nextCursor, timeCursorOf } from '../common/keyset-cursor.js';
import { ZodPipe } from '../common/zod-body.pipe.js';
import { ApiErrors } from '../openapi/openapi.js';
import { LicenseIssuerService } from './license-issuer.service.js';
import { licenseView } from './license.view.js';
import {
  inspectLicenseSchema,
  issueLicenseSchema,
  listLicensesSchema,
  revokeLicenseSchema,
  type IssueLicenseInput,
  type ListLicensesQuery,
} from './licenses.schemas.js';
import { LicensesService } from './licenses.service.js';

@Controller('api/v1/licenses')
export class LicensesController {
  constructor(
    private readonly issuer: LicenseIssuerService,
    private readonly licenses: LicensesService,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /** The token is in this response only; the CP keeps the claims, not the token. */
  @Post()
  @RequireRole('support')
  async issue(@Body(new ZodPipe(issueLicenseSchema)) body: IssueLicenseInput, @CurrentActor() actor: AuditActor) {
    const { token, license } = await this.issuer.issue(body, actor);
    return { token, license: licenseView(license, this.clock.now()) };
  }

  @Get()
  @RequireRole('viewer')
  async list(@Query(new ZodPipe(listLicensesSchema, 'query string')) query: ListLicensesQuery) {
    const now = this.clock.now();
    const licenses = await this.licenses.list(query);
    return {
      items: licenses.map((license) => licenseView(license, now)),
      next_cursor: nextCursor(licenses, query.limit, (license) => timeCursorOf(license.issuedAt, license.id)),
    };
  }

  @Post('inspect')
  @HttpCode(200)
  @RequireRole('viewer')
  inspect(@Body(new ZodPipe(inspectLicenseSchema)) body: z.infer<typeof inspectLicenseSchema>) {
    return this.licenses.inspect(body.token);
  }

  @Get(':id')
  @RequireRole('viewer')
  @ApiErrors({ status: 404, code: 'LICENSE_NOT_FOUND', message: 'License "5f0c6a8e-…" does not exist.' })
  async get(@Param('id', UuidParamPipe) id: string) {
    return licenseView(await this.licenses.get(id), this.clock.now());
  }

  @Post(':id/revoke')
  @HttpCode(200)
  @RequireRole('support')
  @ApiErrors(
    { status: 404, code: 'LICENSE_NOT_FOUND', message: 'License "5f0c6a8e-…" does not exist.' },
    { status: 409, code: 'LICENSE_ALREADY_REVOKED', message: 'License "5f0c6a8e-…" is already revoked.' },
  )
  async revoke(
    @Param('id', UuidParamPipe) id: string,
    @Body(new ZodPipe(revokeLicenseSchema)) body: z.infer<typeof revokeLicenseSchema>,
    @CurrentActor() actor: AuditActor,
  ) {
    return licenseView(await this.licenses.revoke(id, body.reason, actor), this.clock.now());
  }
}
