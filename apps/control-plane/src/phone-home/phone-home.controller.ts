import { Body, Controller, HttpCode, Logger, Post, Req } from '@nestjs/common';
import type { Request } from 'express';
import { Public } from '../auth/auth.decorators.js';
import { bearerToken } from '../auth/auth.guard.js';
import { AppError } from '../common/app-error.js';
import { ZodPipe } from '../common/zod-body.pipe.js';
import { ApiErrors } from '../openapi/openapi.js';
import { UsageService } from '../usage/usage.service.js';
import { PhoneHomeService, type PhoneHomeReply } from './phone-home.service.js';
import { phoneHomeRequestSchema, type PhoneHomeRequest } from './phone-home.schemas.js';
import { ApiReply } from '../openapi/api-reply.decorator.js';
import { phoneHomeReplyResponse } from './phone-home.responses.js';

export const PHONE_HOME_PATH = '/api/v1/phone-home';

/** Validates the body, here and on the fast path (phone-home-fast-path.ts). */
export const phoneHomeBody = new ZodPipe(phoneHomeRequestSchema);

/**
 * The BYOC tenant planes' endpoint: the license itself is the credential, no staff token. Requests reach
 * `phoneHome` through phone-home-fast-path.ts, not Nest's router; the route here declares the endpoint
 * for the OpenAPI document, and answers the spellings the fast path leaves to it (a trailing slash).
 */
@Controller(PHONE_HOME_PATH.slice(1))
export class PhoneHomeController {
  private readonly logger = new Logger(PhoneHomeController.name);

  constructor(
    private readonly phoneHomes: PhoneHomeService,
    private readonly usage: UsageService,
  ) {}

  @Post()
  @HttpCode(200)
  @Public()
  @ApiErrors(
    { status: 400, code: 'VALIDATION_FAILED', message: 'The request body is invalid: tp_version: is required.' },
    { status: 401, code: 'LICENSE_INVALID', message: 'The license could not be verified (BAD_SIGNATURE): the signature does not match.' },
    { status: 401, code: 'LICENSE_UNKNOWN', message: 'The control plane has no record of this license. Contact AtlasAI support.' },
    { status: 403, code: 'LICENSE_REVOKED', message: 'This license was revoked by AtlasAI support and cannot be renewed.' },
    { status: 403, code: 'NOT_RENEWABLE_ON_PREM', message: 'This is an on-prem license: it is never renewed by phone-home.' },
    { status: 403, code: 'FINGERPRINT_MISMATCH', message: 'This license is bound to another machine.' },
    { status: 403, code: 'CLONE_SUSPECTED', message: 'This license already renews on 1 other machine(s), as many as it allows, so it looks copied.' },
    { status: 403, code: 'SUBSCRIPTION_INACTIVE', message: 'The subscription is suspended, so the license is not renewed.' },
    { status: 413, code: 'PAYLOAD_TOO_LARGE', message: 'The request body is larger than this endpoint accepts.' },
    { status: 429, code: 'RATE_LIMITED', message: 'Too many phone-home calls from this address; retry in 42 s.' },
  )
  @ApiReply({ summary: 'Phone home: renew a BYOC license', schema: phoneHomeReplyResponse })
  async phoneHome(@Body(phoneHomeBody) body: PhoneHomeRequest, @Req() request: Request): Promise<PhoneHomeReply> {
    const { license, ...rest } = body;
    const reply = await this.phoneHomes.phoneHome({
      ...rest,
      token: presentedToken(license, bearerToken(request.header('authorization'))),
      sourceAddress: request.ip ?? null,
    });
    // The renewal is committed: a usage figure that cannot be stored must not take it from the tenant plane.
    if (body.usage)
      await this.usage.reportForLicense(reply.license_id, body.usage).catch((error: Error) => this.logger.warn(`usage not stored: ${error.message}`));
    return reply;
  }
}

function presentedToken(inBody: string | undefined, inHeader: string | undefined): string {
  if (inBody && inHeader && inBody !== inHeader) {
    throw AppError.validation('The license in the body and the one in the Authorization header differ; send one of them.', [
      { field: 'license', message: 'differs from the Authorization header' },
    ]);
  }
  const token = inBody ?? inHeader;
  if (!token) {
    throw AppError.validation('Send the current license token as "license" in the body or as "Authorization: Bearer <license>".', [
      { field: 'license', message: 'is required' },
    ]);
  }
  return token;
}
