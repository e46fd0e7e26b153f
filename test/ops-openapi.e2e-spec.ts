import { compileErrors, validate } from '@readme/openapi-parser';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startTestApp, type TestApp } from './support/test-app.js';

const run = promisify(execFile);

interface RouterLayer {
  route?: { path: string; methods: Record<string, boolean> };
}

/** What Express actually routes, as `METHOD /path/{param}`: the ground truth the document must cover. */
function registeredRoutes(cp: TestApp): string[] {
  const router = (cp.app.getHttpAdapter().getInstance() as { router: { stack: RouterLayer[] } }).router;
  return router.stack
    .flatMap((layer) => (layer.route ? Object.keys(layer.route.methods).map((method) => [method, layer.route!.path] as const) : []))
    .filter(([method, path]) => method !== '_all' && !path.includes('*') && !path.startsWith('/api/docs'))
    .map(([method, path]) => `${method.toUpperCase()} ${path.replace(/:([A-Za-z0-9_]+)/g, '{$1}')}`)
    .sort();
}

describe('OpenAPI document (end to end)', () => {
  let cp: TestApp;
  let document: any;

  beforeAll(async () => {
    cp = await startTestApp('ops_openapi');
    const response = await cp.http('GET', '/api/docs-json');
    expect(response.status).toBe(200);
    document = response.body;
  });

  afterAll(() => cp.destroy());

  it('is a valid OpenAPI document', async () => {
    const result = await validate(structuredClone(document));
    if (!result.valid) throw new Error(compileErrors(result));
    expect(result.valid).toBe(true);
  });

  it('lists every route the app registered, and nothing else', () => {
    const documented = Object.entries(document.paths as Record<string, Record<string, unknown>>)
      .flatMap(([path, item]) => Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`))
      .sort();
    const registered = registeredRoutes(cp);
    expect(registered.length).toBeGreaterThan(20);
    expect(documented).toEqual(registered);
  });

  it('describes auth, request schemas from the zod schemas, and error codes with examples', () => {
    const issue = document.paths['/api/v1/licenses'].post;
    expect(issue.security).toEqual([{ staff_token: [] }]);
    expect(issue.description).toContain('**support** role');
    expect(issue.requestBody.content['application/json'].schema).toMatchObject({
      type: 'object',
      required: ['tenant_id'],
      properties: { deployment_mode: { enum: ['on_prem', 'byoc'] }, validity_days: { minimum: 1, maximum: 3650 } },
    });
    expect(Object.keys(issue.responses)).toEqual(expect.arrayContaining(['201', '400', '401', '403', '500']));
    expect(issue.responses['400'].content['application/json'].example.error.code).toBe('VALIDATION_FAILED');
    expect(issue.responses['401'].content['application/json'].example.error.code).toBe('UNAUTHENTICATED');

    const list = document.paths['/api/v1/licenses'].get;
    expect(list.parameters.map((parameter: { name: string; in: string }) => `${parameter.in}:${parameter.name}`)).toEqual(
      expect.arrayContaining(['query:tenant_id', 'query:status', 'query:expiring_before', 'query:limit']),
    );

    const get = document.paths['/api/v1/licenses/{id}'].get;
    expect(get.parameters).toEqual([expect.objectContaining({ name: 'id', in: 'path', schema: { type: 'string', format: 'uuid' } })]);
    expect(Object.keys(get.responses['404'].content['application/json'].examples)).toEqual(['LICENSE_NOT_FOUND']);
    const revoke = document.paths['/api/v1/licenses/{id}/revoke'].post;
    expect(revoke.responses['409'].content['application/json'].examples.LICENSE_ALREADY_REVOKED.value.error.code).toBe('LICENSE_ALREADY_REVOKED');
    expect(document.paths['/api/health/ready'].get.responses['503'].description).toBe('`NOT_READY`');

    for (const path of ['/api/health', '/api/health/ready', '/.well-known/jwks.json', '/metrics']) {
      expect([path, document.paths[path].get.security]).toEqual([path, undefined]);
    }
    expect(document.components.securitySchemes.staff_token).toMatchObject({ type: 'http', scheme: 'bearer', bearerFormat: 'la_ staff token' });
    expect(document.components.securitySchemes.billing_session).toMatchObject({ type: 'http', scheme: 'bearer', bearerFormat: 'lcs_ billing session' });
    expect(document.paths['/api/v1/billing/checkout-sessions'].post.security).toEqual([{ staff_token: [] }, { billing_session: [] }]);
    expect(document.paths['/api/v1/portal/account'].get.security).toEqual([{ billing_session: [] }]);
  });

  it('gives every operation a summary, a unique operationId and a schema for every success body', () => {
    const operations = Object.entries(document.paths as Record<string, Record<string, any>>).flatMap(([path, item]) =>
      Object.entries(item).map(([method, operation]) => ({ name: `${method.toUpperCase()} ${path}`, operation })),
    );
    const problems = operations.flatMap(({ name, operation }) => {
      const missing: string[] = [];
      if (!operation.summary) missing.push(`${name}: no summary`);
      if (!operation.operationId) missing.push(`${name}: no operationId`);
      for (const [status, response] of Object.entries(operation.responses as Record<string, any>)) {
        if (status.startsWith('2') && status !== '204' && !Object.values(response.content ?? {}).some((media: any) => media.schema)) {
          missing.push(`${name}: ${status} has no schema`);
        }
      }
      return missing;
    });
    expect(problems).toEqual([]);
    const ids = operations.map(({ operation }) => operation.operationId);
    expect(new Set(ids).size).toBe(ids.length);

    const issued = document.paths['/api/v1/licenses'].post.responses['201'].content['application/json'].schema;
    expect(issued.properties.license).toEqual({ $ref: '#/components/schemas/License' });
    expect(document.components.schemas.License.properties.expires_at).toEqual({ type: 'string', format: 'date-time' });
    expect(document.paths['/api/v1/tenants/{id}'].get.responses['404'].content['application/json'].examples.TENANT_NOT_FOUND).toBeDefined();
    expect(document.paths['/api/v1/tenants'].post.responses['409'].content['application/json'].examples.TENANT_EXISTS).toBeDefined();
  });

  it('is the document committed in openapi/openapi.json, from which the web client is generated', () => {
    const committed = JSON.parse(readFileSync('openapi/openapi.json', 'utf8'));
    // Only the version may differ (it comes from package.json at run time); anything else means `npm run openapi` was not run.
    expect({ ...committed, info: { ...committed.info, version: undefined } }).toEqual({ ...document, info: { ...document.info, version: undefined } });
  });

  it('generates a typed client that the web app type-checks against', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'la-openapi-client-'));
    try {
      writeFileSync(join(directory, 'openapi.json'), JSON.stringify(document));
      const generated = join(directory, 'schema.d.ts');
      await run('node', ['apps/web/node_modules/openapi-typescript/bin/cli.js', join(directory, 'openapi.json'), '-o', generated]);
      expect(readFileSync(generated, 'utf8')).toBe(readFileSync('apps/web/src/api/schema.d.ts', 'utf8'));
      await run('node', ['node_modules/typescript/bin/tsc', '--noEmit', '-p', 'apps/web/tsconfig.json']);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  }, 120_000);

  it('serves the Swagger UI page', async () => {
    const page = await cp.http('GET', '/api/docs');
    expect(page.status).toBe(200);
    expect(page.text).toContain('swagger-ui');
  });
});
