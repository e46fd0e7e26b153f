import { SetMetadata, type INestApplication, type Type } from '@nestjs/common';
import { ROUTE_ARGS_METADATA } from '@nestjs/common/constants.js';
import { ModulesContainer } from '@nestjs/core';
import {
  DocumentBuilder,
  SwaggerModule,
  type OpenAPIObject,
  type OperationObject,
  type ParameterObject,
  type ReferenceObject,
  type ResponseObject,
  type SchemaObject,
} from '@nestjs/swagger';
import { z } from 'zod';
import type { StaffRole } from '../auth/api-token.entity.js';
import { PUBLIC_ROUTE, REQUIRED_ROLE } from '../auth/auth.decorators.js';
import { UuidParamPipe } from '../common/uuid-param.pipe.js';
import { ZodPipe } from '../common/zod-body.pipe.js';
import { APP_VERSION } from '../common/app-version.js';
import { API_REPLY, BILLING_SESSION_ROUTE, type ApiReplyMetadata, type BillingSessionUse } from './api-reply.decorator.js';

export interface DocumentedError {
  status: number;
  code: string;
  message: string;
}

const DOCUMENTED_ERRORS = 'openapi:errors';

/**
 * The domain errors a route can answer with, beyond the ones derived from its auth and pipes
 * (401, 403, 400 VALIDATION_FAILED, 404, 500), e.g. `@ApiErrors({ status: 409, code: 'LICENSE_ALREADY_REVOKED', message: '…' })`.
 */
export const ApiErrors = (...errors: DocumentedError[]) => SetMetadata(DOCUMENTED_ERRORS, errors);

export const DOCS_PATH = 'api/docs';
export const DOCS_JSON_PATH = 'api/docs-json';
const BEARER = 'staff_token';
const BILLING_SESSION = 'billing_session';

/** Nest's numbering of parameter sources in ROUTE_ARGS_METADATA keys (`"3:0"` = body, first argument). */
const PARAM_SOURCE = { 3: 'body', 4: 'query', 5: 'path' } as const;

interface RouteArgument {
  index: number;
  data?: string;
  pipes?: unknown[];
}

const ERROR_SCHEMA: SchemaObject = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message', 'details'],
      properties: {
        code: { type: 'string', description: 'Stable, machine-readable code.' },
        message: { type: 'string', description: 'What went wrong, for a human.' },
        details: { description: 'Field-level problems (validation) or other context; null when there is none.', nullable: true },
        request_id: { type: 'string', description: 'Also in the X-Request-Id header and on every log line of the request.' },
      },
    },
  },
};

const EXAMPLE_REQUEST_ID = '5f0c6a8e-2d8b-4d55-9c0e-3f7f1e2a9b10';

function errorResponse(description: string, code: string, message: string, details?: unknown): ResponseObject {
  return {
    description,
    content: {
      'application/json': {
        schema: { $ref: '#/components/schemas/Error' },
        example: { error: { code, message, details: details ?? null, request_id: EXAMPLE_REQUEST_ID } },
      },
    },
  };
}

/** Several codes under one status: one named example per code. */
function documentedErrorsResponse(errors: DocumentedError[]): ResponseObject {
  return {
    description: errors.map((error) => `\`${error.code}\``).join(', '),
    content: {
      'application/json': {
        schema: { $ref: '#/components/schemas/Error' },
        examples: Object.fromEntries(
          errors.map((error) => [
            error.code,
            { value: { error: { code: error.code, message: error.message, details: null, request_id: EXAMPLE_REQUEST_ID } } },
          ]),
        ),
      },
    },
  };
}

/** zod 4 converts the schemas that validate requests; nothing is described twice. */
function jsonSchemaOf(schema: z.ZodType): SchemaObject {
  const { $schema: _ignored, ...converted } = z.toJSONSchema(schema, { target: 'openapi-3.0', io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return converted as SchemaObject;
}

/** A response body: named objects (`.meta({ id })`) go to `components.schemas` and are referenced. */
function responseSchemaOf(schema: z.ZodType, components: Record<string, SchemaObject>): SchemaObject {
  const converted = z.toJSONSchema(schema, {
    target: 'openapi-3.0',
    io: 'output',
    unrepresentable: 'any',
    override: ({ zodSchema, jsonSchema }) => {
      if (zodSchema._zod.def.type === 'date') Object.assign(jsonSchema, { type: 'string', format: 'date-time' });
    },
  }) as Record<string, unknown>;
  const {
    $schema: _ignored,
    definitions,
    ...root
  } = JSON.parse(JSON.stringify(converted).replaceAll('"#/definitions/', '"#/components/schemas/')) as {
    $schema?: string;
    definitions?: Record<string, SchemaObject>;
  } & SchemaObject;
  Object.assign(components, definitions);
  return root;
}

function isParameterIn(parameter: ParameterObject | ReferenceObject, location: ParameterObject['in']): parameter is ParameterObject {
  return 'in' in parameter && parameter.in === location;
}

/** Controllers by class name, the key `operationIdFactory` puts in each operation id. */
function controllersOf(app: INestApplication): Map<string, Type> {
  const controllers = new Map<string, Type>();
  for (const module of app.get(ModulesContainer).values()) {
    for (const { metatype } of module.controllers.values()) if (metatype) controllers.set(metatype.name, metatype as Type);
  }
  return controllers;
}

function describeReply(operation: OperationObject, handler: object, components: Record<string, SchemaObject>): void {
  const reply: ApiReplyMetadata | undefined = Reflect.getMetadata(API_REPLY, handler);
  if (!reply) return;
  operation.summary = reply.summary;
  const responses = operation.responses as Record<string, ResponseObject>;
  const defaultStatus = Object.keys(responses).find((status) => status.startsWith('2')) ?? '200';
  const status = String(reply.status ?? defaultStatus);
  const description = responses[defaultStatus]?.description || 'Success.';
  delete responses[defaultStatus];
  if (reply.schema) responses[status] = { description, content: { 'application/json': { schema: responseSchemaOf(reply.schema, components) } } };
  else if (reply.produces) responses[status] = { description, content: { [reply.produces]: { schema: { type: 'string' } } } };
  else responses[status] = { description: status.startsWith('3') ? 'A redirect; the Location header says where.' : 'No content.' };
}

function describeOperation(operation: OperationObject, controller: Type, methodKey: string, components: Record<string, SchemaObject>): void {
  const handler = (controller.prototype as Record<string, object>)[methodKey];
  describeReply(operation, handler, components);
  const isPublic = Reflect.getMetadata(PUBLIC_ROUTE, handler) ?? Reflect.getMetadata(PUBLIC_ROUTE, controller);
  const roles: StaffRole[] | undefined = Reflect.getMetadata(REQUIRED_ROLE, handler) ?? Reflect.getMetadata(REQUIRED_ROLE, controller);
  const responses = operation.responses as Record<string, ResponseObject>;
  const args = Object.entries((Reflect.getMetadata(ROUTE_ARGS_METADATA, controller, methodKey) ?? {}) as Record<string, RouteArgument>);
  let validated = false;

  for (const [key, argument] of args) {
    const source = PARAM_SOURCE[Number(key.split(':')[0]) as keyof typeof PARAM_SOURCE];
    const zodPipe = argument.pipes?.find((pipe): pipe is ZodPipe<z.ZodType> => pipe instanceof ZodPipe);
    if (source === 'body' && zodPipe) {
      operation.requestBody = { required: true, content: { 'application/json': { schema: jsonSchemaOf(zodPipe.schema) } } };
      validated = true;
    }
    if (source === 'query' && zodPipe) {
      const schema = jsonSchemaOf(zodPipe.schema);
      const required = new Set(schema.required ?? []);
      const fromSchema: ParameterObject[] = Object.entries(schema.properties ?? {}).map(([name, property]) => ({
        name,
        in: 'query',
        required: required.has(name) && (property as SchemaObject).default === undefined,
        schema: property,
      }));
      const others = (operation.parameters ?? []).filter((parameter) => !isParameterIn(parameter, 'query'));
      operation.parameters = [...others, ...fromSchema];
      validated = true;
    }
    if (source === 'path' && argument.pipes?.includes(UuidParamPipe)) {
      const parameter = operation.parameters?.find((candidate) => isParameterIn(candidate, 'path') && candidate.name === argument.data);
      if (parameter) (parameter as ParameterObject).schema = { type: 'string', format: 'uuid' };
      responses['400'] ??= errorResponse('The id is not a UUID.', 'INVALID_ID', '"abc" is not a UUID.');
    }
  }
  if (validated) {
    responses['400'] = errorResponse(
      'The request is invalid; `details` names each bad field.',
      'VALIDATION_FAILED',
      'The request body is invalid: tenant_id: Required.',
      [{ field: 'tenant_id', message: 'Required' }],
    );
  }
  if (operation.parameters?.some((parameter) => isParameterIn(parameter, 'path'))) {
    responses['404'] ??= errorResponse('Nothing has this id.', 'NOT_FOUND', 'License "5f0c6a8e-…" does not exist.');
  }
  const billingSession: BillingSessionUse | undefined = Reflect.getMetadata(BILLING_SESSION_ROUTE, handler);
  if (billingSession === 'also') {
    operation.security = [{ [BEARER]: [] }, { [BILLING_SESSION]: [] }];
    operation.description = [operation.description, 'Takes a **support** staff token, or a billing session token of the same tenant.']
      .filter(Boolean)
      .join('\n\n');
  }
  if (billingSession === 'only') {
    operation.security = [{ [BILLING_SESSION]: [] }];
    responses['401'] ??= errorResponse(
      'No billing session, or an expired one.',
      'UNAUTHENTICATED',
      'The billing session is unknown or expired; open a new login link.',
    );
  }
  if (!isPublic) {
    operation.security = [{ [BEARER]: [] }];
    const role = roles?.join(' or ') ?? 'admin';
    operation.description = [operation.description, `Requires a staff token with the **${role}** role (or stronger).`].filter(Boolean).join('\n\n');
    responses['401'] = errorResponse('No token, or an unknown or revoked one.', 'UNAUTHENTICATED', 'The API token is unknown or revoked.');
    responses['403'] = errorResponse('The token’s role is too weak.', 'FORBIDDEN', `This action needs the ${role} role; the token has "viewer".`);
  }
  const documented: DocumentedError[] = Reflect.getMetadata(DOCUMENTED_ERRORS, handler) ?? [];
  for (const status of new Set(documented.map((error) => error.status))) {
    responses[String(status)] = documentedErrorsResponse(documented.filter((error) => error.status === status));
  }
  responses['500'] = errorResponse(
    'Unexpected failure; the request id identifies it in the logs.',
    'INTERNAL',
    'Internal error; the request id identifies it in the logs.',
  );
}

/** The OpenAPI document of every route Nest registered, with its auth, request schemas and error codes. */
export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('AtlasAI License Authority')
    .setDescription(
      'The licensing control plane. Errors always have the shape `{"error": {"code", "message", "details", "request_id"}}`; ' +
        'the `code` is stable and machine-readable.',
    )
    .setVersion(APP_VERSION)
    .addBearerAuth(
      { type: 'http', scheme: 'bearer', bearerFormat: 'la_ staff token', description: 'A staff API token (`la_…`), created with `licensectl tokens create`.' },
      BEARER,
    )
    .addBearerAuth(
      {
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'lcs_ billing session',
        description: 'A customer billing session token (`lcs_…`), from `POST /api/v1/billing/login-links/redeem`; it reaches one tenant.',
      },
      BILLING_SESSION,
    )
    .build();
  const document = SwaggerModule.createDocument(app, config, { operationIdFactory: (controller, method) => `${controller}_${method}` });
  const components: Record<string, SchemaObject> = { Error: ERROR_SCHEMA };
  document.components = { ...document.components, schemas: components };
  const controllers = controllersOf(app);
  for (const pathItem of Object.values(document.paths)) {
    for (const operation of Object.values(pathItem) as OperationObject[]) {
      if (!operation?.operationId) continue;
      const [controllerName, methodKey] = operation.operationId.split('_');
      const controller = controllers.get(controllerName);
      if (controller) describeOperation(operation, controller, methodKey, components);
    }
  }
  return document;
}

/** Serves the Swagger UI at /api/docs and the JSON at /api/docs-json, built once on first request. */
export function setupOpenApi(app: INestApplication): void {
  SwaggerModule.setup(DOCS_PATH, app, () => buildOpenApiDocument(app), { jsonDocumentUrl: DOCS_JSON_PATH, customSiteTitle: 'License Authority API' });
}
