import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query } from '@nestjs/common';
import type { z } from 'zod';
import { CurrentActor, RequireRole, type AuditActor } from '../auth/auth.decorators.js';
import { CLOCK, type Clock } from '../common/clock.js';
import { UuidParamPipe } from '../common/uuid-param.pipe.js';
import { nextCursor, timeCursorOf } from '../common/keyset-cursor.js';
import { ZodPipe } from '../common/zod-body.pipe.js';
import { SigningKeyService } from '../keys/signing-key.service.js';
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
import { ApiReply } from '../openapi/api-reply.decorator.js';
import { issuedLicenseResponse, licenseInspectionResponse, licenseListResponse, licenseResponse } from './licenses.responses.js';

@Controller('api/v1/licenses')
export class LicensesController {
  constructor(
    private readonly issuer: LicenseIssuerService,
    private readonly licenses: LicensesService,
    private readonly keys: SigningKeyService,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /** The token is in this response only; the CP keeps the claims, not the token. */
  @Post()
  @RequireRole('support')
  @ApiReply({ summary: 'Issue a license', schema: issuedLicenseResponse })
  @ApiErrors(
    { status: 404, code: 'TENANT_NOT_FOUND', message: 'Tenant "acme" does not exist.' },
    { status: 404, code: 'PLAN_NOT_FOUND', message: 'Plan "gold" does not exist.' },
    { status: 409, code: 'DEPLOYMENT_MODE_MISMATCH', message: 'Tenant "acme" runs on_prem (air-gapped): its licenses are on_prem.' },
    { status: 409, code: 'LINEAGE_REVOKED', message: 'License "5f0c6a8e-…" belongs to a revoked installation.' },
  )
  async issue(@Body(new ZodPipe(issueLicenseSchema)) body: IssueLicenseInput, @CurrentActor() actor: AuditActor) {
    const { token, license } = await this.issuer.issue(body, actor);
    return { token, license: licenseView(license, this.clock.now()), key_chain: await this.keys.keyChain() };
  }

  @Get()
  @RequireRole('viewer')
  @ApiReply({ summary: 'List licenses', schema: licenseListResponse })
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
  @ApiReply({ summary: 'Inspect a license token', schema: licenseInspectionResponse })
  inspect(@Body(new ZodPipe(inspectLicenseSchema)) body: z.infer<typeof inspectLicenseSchema>) {
    return this.licenses.inspect(body.token);
  }

  @Get(':id')
  @RequireRole('viewer')
  @ApiErrors({ status: 404, code: 'LICENSE_NOT_FOUND', message: 'License "5f0c6a8e-…" does not exist.' })
  @ApiReply({ summary: 'Get a license', schema: licenseResponse })
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
  @ApiReply({ summary: 'Revoke a license', schema: licenseResponse })
  async revoke(
    @Param('id', UuidParamPipe) id: string,
    @Body(new ZodPipe(revokeLicenseSchema)) body: z.infer<typeof revokeLicenseSchema>,
    @CurrentActor() actor: AuditActor,
  ) {
    return licenseView(await this.licenses.revoke(id, body.reason, actor), this.clock.now());
  }
}
