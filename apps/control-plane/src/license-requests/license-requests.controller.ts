import { Body, Controller, Get, Headers, HttpCode, Inject, Param, Post, Query, Req } from '@nestjs/common';
import type { Request } from 'express';
import type { z } from 'zod';
import { CurrentActor, Public, RequireRole, type AuditActor } from '../auth/auth.decorators.js';
import { assertCallerTenant, BillingCaller } from '../billing/billing-caller.js';
import { AppError } from '../common/app-error.js';
import { CLOCK, type Clock } from '../common/clock.js';
import { UuidParamPipe } from '../common/uuid-param.pipe.js';
import { ZodPipe } from '../common/zod-body.pipe.js';
import { licenseView } from '../licenses/license.view.js';
import { AcceptsBillingSession, ApiReply } from '../openapi/api-reply.decorator.js';
import { ApiErrors } from '../openapi/openapi.js';
import { licenseRequestView } from './license-request.view.js';
import { approvedLicenseRequestResponse, licenseRequestPageResponse, licenseRequestResponse } from './license-requests.responses.js';
import {
  approveLicenseRequestSchema,
  createLicenseRequestSchema,
  declineLicenseRequestSchema,
  listLicenseRequestsSchema,
  type ApproveLicenseRequestInput,
  type CreateLicenseRequestInput,
  type ListLicenseRequestsQuery,
} from './license-requests.schemas.js';
import { LicenseRequestsService } from './license-requests.service.js';

type CallerRequest = Request & { id?: string };

const CALLER_ERRORS = [
  { status: 401, code: 'UNAUTHENTICATED', message: 'The billing session is unknown or expired; open a new login link.' },
  { status: 403, code: 'FORBIDDEN', message: 'This billing session belongs to another tenant.' },
];
const NOT_FOUND = { status: 404, code: 'LICENSE_REQUEST_NOT_FOUND', message: 'License request "5f0c6a8e-…" does not exist.' };
const NOT_OPEN = {
  status: 409,
  code: 'LICENSE_REQUEST_NOT_OPEN',
  message: 'License request "5f0c6a8e-…" is already approved; only open requests can be decided or canceled.',
};

/**
 * License requests. Asking, reading and canceling take a staff token or a customer's billing session
 * (from a login link, that tenant only), so those routes are @Public() to the global guard and
 * authorized here; approving and declining are support's.
 */
@Controller('api/v1/license-requests')
export class LicenseRequestsController {
  constructor(
    private readonly requests: LicenseRequestsService,
    private readonly caller: BillingCaller,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /** Ask for a license: a new installation, a renewal (on-prem, within 30 days of expiry), an upgrade or a replacement. */
  @Post()
  @Public()
  @AcceptsBillingSession()
  @ApiReply({ summary: 'Request a license', schema: licenseRequestResponse })
  @ApiErrors(
    ...CALLER_ERRORS,
    { status: 404, code: 'TENANT_NOT_FOUND', message: 'Tenant "acme" does not exist.' },
    { status: 404, code: 'PLAN_NOT_FOUND', message: 'Plan "gold" does not exist.' },
    { status: 404, code: 'LICENSE_NOT_FOUND', message: 'License "5f0c6a8e-…" does not exist.' },
    { status: 400, code: 'UNKNOWN_ADDON', message: 'Plan "core" does not offer the add-on(s) edge_pack; it offers: automation_pro.' },
    { status: 409, code: 'SUBSCRIPTION_INACTIVE', message: 'Tenant "acme" has a canceled subscription; subscribe to a plan before requesting a license.' },
    {
      status: 409,
      code: 'PLAN_NOT_IN_SUBSCRIPTION',
      message: 'The subscription of tenant "acme" is for plan "core", not "operations"; request an upgrade to change plans.',
    },
    { status: 409, code: 'LICENSE_REQUEST_EXISTS', message: 'Tenant "acme" already has an open new request (5f0c6a8e-…); wait for its decision or cancel it.' },
    {
      status: 409,
      code: 'RENEWAL_TOO_EARLY',
      message: 'License "5f0c6a8e-…" expires on 2027-12-01; renewals can be requested from 2027-11-01 (30 days before expiry).',
    },
    { status: 409, code: 'NOT_RENEWABLE_ON_REQUEST', message: 'License "5f0c6a8e-…" is byoc: it renews itself by phone-home.' },
    { status: 409, code: 'LICENSE_REVOKED', message: 'License "5f0c6a8e-…" is revoked; request a new license instead.' },
    { status: 409, code: 'LICENSE_SUPERSEDED', message: 'License "5f0c6a8e-…" was already replaced by a newer license.' },
  )
  async create(
    @Body(new ZodPipe(createLicenseRequestSchema)) body: CreateLicenseRequestInput,
    @Headers('authorization') authorization: string | undefined,
    @Req() http: CallerRequest,
  ) {
    const by = await this.caller.authorize(authorization, body.tenant_id, http.id ?? null);
    return licenseRequestView(await this.requests.create(body, by));
  }

  /** Oldest first, with the count of requests per status; a customer sees only their tenant's. */
  @Get()
  @Public()
  @AcceptsBillingSession()
  @ApiReply({ summary: 'List license requests', schema: licenseRequestPageResponse })
  @ApiErrors(...CALLER_ERRORS)
  async list(
    @Query(new ZodPipe(listLicenseRequestsSchema, 'query string')) query: ListLicenseRequestsQuery,
    @Headers('authorization') authorization: string | undefined,
    @Req() http: CallerRequest,
  ) {
    const caller = await this.caller.identify(authorization, http.id ?? null, 'viewer');
    if (caller.kind === 'customer') {
      if (query.tenant_id) assertCallerTenant(caller, query.tenant_id);
      query = { ...query, tenant_id: caller.tenantId };
    }
    const page = await this.requests.list(query);
    return { ...page, items: page.items.map(licenseRequestView) };
  }

  @Get(':id')
  @Public()
  @AcceptsBillingSession()
  @ApiReply({ summary: 'Get a license request', schema: licenseRequestResponse })
  @ApiErrors(...CALLER_ERRORS, NOT_FOUND)
  async get(@Param('id', UuidParamPipe) id: string, @Headers('authorization') authorization: string | undefined, @Req() http: CallerRequest) {
    const caller = await this.caller.identify(authorization, http.id ?? null, 'viewer');
    const request = await this.requests.get(id);
    // Another tenant's request is "not found" to a customer, like a missing one.
    if (caller.kind === 'customer' && caller.tenantId !== request.tenantId) throw AppError.notFound('License request', id, 'LICENSE_REQUEST_NOT_FOUND');
    return licenseRequestView(request);
  }

  /** Issues the license on the request's terms (support may edit them here) and emails it as `license_issued`. */
  @Post(':id/approve')
  @HttpCode(200)
  @RequireRole('support')
  @ApiReply({ summary: 'Approve a license request (issues the license)', schema: approvedLicenseRequestResponse })
  @ApiErrors(
    NOT_FOUND,
    NOT_OPEN,
    {
      status: 409,
      code: 'PLAN_CHANGE_REQUIRED',
      message: 'Request "5f0c6a8e-…" asks for more than the subscription of tenant "acme" includes; change the subscription first.',
    },
    { status: 409, code: 'SUBSCRIPTION_INACTIVE', message: 'Tenant "acme" has a canceled subscription; subscribe to a plan before requesting a license.' },
  )
  async approve(
    @Param('id', UuidParamPipe) id: string,
    @Body(new ZodPipe(approveLicenseRequestSchema)) body: ApproveLicenseRequestInput,
    @CurrentActor() actor: AuditActor,
  ) {
    const { request, issued } = await this.requests.approve(id, body, actor);
    return { request: licenseRequestView(request), token: issued.token, license: licenseView(issued.license, this.clock.now()) };
  }

  /** Declines with a reason the customer reads (emailed as `license_request_declined`). */
  @Post(':id/decline')
  @HttpCode(200)
  @RequireRole('support')
  @ApiReply({ summary: 'Decline a license request', schema: licenseRequestResponse })
  @ApiErrors(NOT_FOUND, NOT_OPEN)
  async decline(
    @Param('id', UuidParamPipe) id: string,
    @Body(new ZodPipe(declineLicenseRequestSchema)) body: z.infer<typeof declineLicenseRequestSchema>,
    @CurrentActor() actor: AuditActor,
  ) {
    return licenseRequestView(await this.requests.decline(id, body.reason, actor));
  }

  /** The customer withdraws an open request of their tenant (support may too). */
  @Post(':id/cancel')
  @HttpCode(200)
  @Public()
  @AcceptsBillingSession()
  @ApiReply({ summary: 'Cancel an open license request', schema: licenseRequestResponse })
  @ApiErrors(...CALLER_ERRORS, NOT_FOUND, NOT_OPEN)
  async cancel(@Param('id', UuidParamPipe) id: string, @Headers('authorization') authorization: string | undefined, @Req() http: CallerRequest) {
    const caller = await this.caller.identify(authorization, http.id ?? null);
    return licenseRequestView(await this.requests.cancel(id, caller.by, caller.kind === 'customer' ? caller.tenantId : undefined));
  }
}
