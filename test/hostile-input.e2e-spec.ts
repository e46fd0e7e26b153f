import { createPrivateKey, randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { SignJWT } from 'jose';
import pg from 'pg';
import { billingEnv, mapPrices } from './support/billing-fixtures.js';
import { FakeStripe } from './support/fake-stripe.js';
import {
  forgedCursor,
  fromSchema,
  hostileHeaders,
  jsonText,
  oneFieldOff,
  pathSegment,
  queryString,
  rawBody,
  socketRequest,
  wireRequest,
  type Parameter,
  type RawBody,
  type Schema,
  type WireRequest,
  type WireResponse,
} from './support/hostile-input.js';
import { AnswerTally, isRefusal, responseViolations, RowWatch } from './support/hostile-invariants.js';
import { hostileAuthorizations, hostileLicenseTokens } from './support/hostile-tokens.js';
import { claimsOf, tenantWithLicense } from './support/phone-home-fixtures.js';
import { startTestApp, type TestApp } from './support/test-app.js';

/**
 * Drives every operation of the OpenAPI document with generated hostile input (path ids, query strings,
 * JSON and raw bodies, Authorization headers, license tokens) and checks what must hold for any input:
 * no 5xx, every 4xx in the one error shape, no stack trace, SQL or private key in a body, and no row
 * changed by a refused request. A failure prints fast-check's seed, path and shrunk counterexample.
 */
// Fixed, so a run is deterministic and a failure reproduces by running the file again.
const SEED = Number(process.env.HOSTILE_SEED ?? 20_261_204);
const RUNS_PER_OPERATION = Number(process.env.HOSTILE_RUNS ?? 15);

interface Operation {
  method: string;
  /** OpenAPI template, `/api/v1/licenses/{id}`. */
  path: string;
  pathParams: string[];
  queryParams: Parameter[];
  /** The request body's schema: generated bodies follow it or just miss it, to get past the first check. */
  bodySchema?: Schema;
  /** Its property names, mixed into arbitrary JSON for the same reason. */
  bodyKeys: string[];
}

/**
 * Tables a refusal writes by design, per route, with the reason; every other refusal leaves every row as it was.
 */
const RECORDED_REFUSALS: Record<string, Record<string, string>> = {
  'POST /api/v1/phone-home': {
    phone_homes: 'every call whose token verifies is recorded with its outcome, refusals included: the history support reads',
    notifications: 'a refused renewal (revoked, canceled) emails the tenant: the renewal_refused stage',
  },
};

interface Exchange {
  label: string;
  request: WireRequest;
  response: WireResponse;
}

describe('hostile input on every route (property-based, end to end)', () => {
  let stripe: FakeStripe;
  let cp: TestApp;
  let database: pg.Client;
  let rows: RowWatch;
  let operations: Operation[];
  let callers: Record<string, Record<string, string>>;
  let realIds: string[];
  let genuine: string;
  let privateKeyPem: string;

  beforeAll(async () => {
    stripe = await FakeStripe.start();
    // No schedules: a sweep writing rows mid-run would look like a refused request that changed the database.
    cp = await startTestApp('hostile-input', { env: { ...billingEnv(stripe), SCHEDULES_ENABLED: 'false' } });
    privateKeyPem = cp.config.CP_LICENSE_PRIVATE_KEY!;
    database = new pg.Client({ connectionString: cp.database.url });
    await database.connect();
    const fixtures = await createFixtures(cp);
    genuine = fixtures.license;
    realIds = fixtures.ids;
    callers = {
      admin: { authorization: `Bearer ${fixtures.admin}` },
      support: { authorization: `Bearer ${fixtures.support}` },
      customer: { authorization: `Bearer ${fixtures.customer}` },
      anonymous: {},
    };
    operations = operationsOf((await cp.http('GET', '/api/docs-json')).body);
    rows = await RowWatch.start(database);
  }, 60_000);

  // HOSTILE_STATS=<file> writes how often each operation got each answer: how deep generated requests get.
  const answers = new AnswerTally();
  afterAll(() => process.env.HOSTILE_STATS && answers.write(process.env.HOSTILE_STATS));

  afterAll(async () => {
    await database?.end();
    await cp?.destroy();
    await stripe?.close();
  });

  const send = async (label: string, request: WireRequest): Promise<Exchange> => ({ label, request, response: await wireRequest(cp.baseUrl, request) });

  /** Every invariant the response breaks, or none. */
  const violationsOf = (exchange: Exchange): string[] => responseViolations(exchange.response, privateKeyPem);

  /**
   * Sends `request` and reports what it broke, rows included when the answer was a refusal. The
   * baseline is the previous request's end state, so one read of the tables per request suffices.
   */
  async function checked(label: string, request: WireRequest): Promise<string[]> {
    const exchange = await send(label, request);
    answers.count(label.split(':')[0], exchange.response);
    const problems = violationsOf(exchange);
    if (exchange.response.status === 202) await rows.settle();
    const changed = await rows.changes(Object.keys(RECORDED_REFUSALS[`${request.method} ${request.path.split('?')[0]}`] ?? {}));
    if (isRefusal(exchange.response)) problems.push(...changed.map((change) => `a refused request changed ${change}`));
    return problems.map((problem) => `${label}: ${problem} (answer ${exchange.response.status} ${exchange.response.text.slice(0, 300)})`);
  }

  it('documents a plausible number of operations (the suite drives each of them)', () => {
    expect(operations.length).toBeGreaterThan(60);
    expect(operations.map((operation) => `${operation.method} ${operation.path}`)).toEqual(
      expect.arrayContaining(['POST /api/v1/phone-home', 'POST /api/v1/licenses/inspect', 'GET /api/v1/tenants/{id}']),
    );
  });

  it('answers generated path ids, query strings and bodies on every operation without a 5xx, a stray shape or a write', async () => {
    const failures: string[] = [];
    for (const [index, operation] of operations.entries()) {
      const details = await fc.check(
        fc.asyncProperty(requestFor(operation, realIds, Object.keys(callers)), async (generated) => {
          const wire = wireFor(operation, generated, callers);
          const problems = await checked(labelOf(operation, generated, wire), wire);
          if (problems.length > 0) throw new Error(problems.join('\n'));
        }),
        // One seed per operation, so operations do not all see the same sequence of callers and shapes.
        { seed: SEED + index, numRuns: RUNS_PER_OPERATION },
      );
      if (details.failed) failures.push(`${operation.method} ${operation.path}\n${reportOf(details)}`);
    }
    expect(failures).toEqual([]);
  }, 600_000);

  it('answers forged page cursors on every list that takes one without a 5xx', async () => {
    // A cursor is opaque base64: the hostile-text middleware and the query schema cannot see what it carries.
    const lists = operations.filter((operation) => operation.queryParams.some((parameter) => parameter.name === 'cursor'));
    expect(lists.length).toBeGreaterThanOrEqual(5);
    const failures: string[] = [];
    for (const operation of lists) {
      const details = await fc.check(
        fc.asyncProperty(forgedCursor(realIds), async (cursor) => {
          const request = { method: 'GET', path: `${operation.path}?cursor=${cursor}`, headers: callers.support };
          const problems = await checked(`GET ${operation.path} with cursor ${Buffer.from(cursor, 'base64url').toString()}`, request);
          if (problems.length > 0) throw new Error(problems.join('\n'));
        }),
        { seed: SEED, numRuns: 40 },
      );
      if (details.failed) failures.push(`${operation.path}\n${reportOf(details)}`);
    }
    expect(failures).toEqual([]);
  }, 120_000);

  it('refuses hostile Authorization headers and cookies on every operation, and none of them changes a row', async () => {
    const corpus = await hostileAuthorizations(genuine, callers.admin.authorization.slice('Bearer '.length));
    await rows.changes();
    const problems: string[] = [];
    for (const operation of operations) {
      for (const [name, headers] of Object.entries(corpus)) {
        const exchange = await send(`${operation.method} ${operation.path} with ${name}`, {
          method: operation.method,
          path: concretePath(operation, realIds[0]),
          headers,
        });
        problems.push(...violationsOf(exchange).map((problem) => `${exchange.label}: ${problem}`));
        if (operation.method !== 'GET' && !isRefusal(exchange.response)) problems.push(`${exchange.label}: a write answered ${exchange.response.status}`);
      }
    }
    problems.push(...(await rows.changes()).map((change) => `the refused batch changed ${change}`));
    expect(problems).toEqual([]);
  }, 300_000);

  describe('cases the suite found (each was a 5xx)', () => {
    const cursor = (parts: unknown[]) => Buffer.from(JSON.stringify(parts)).toString('base64url');
    const refusedAs = async (request: WireRequest, status: number, code: string) => {
      const exchange = await send(`${request.method} ${request.path}`, request);
      expect(violationsOf(exchange)).toEqual([]);
      expect([exchange.response.status, JSON.parse(exchange.response.text).error.code]).toEqual([status, code]);
    };

    it('single sign-on that is not configured is a 404, not a 503 anyone can raise', async () => {
      await refusedAs({ method: 'GET', path: '/api/v1/auth/oidc/login' }, 404, 'OIDC_NOT_CONFIGURED');
      await refusedAs({ method: 'GET', path: '/api/v1/auth/oidc/callback?code=x&state=y' }, 404, 'OIDC_NOT_CONFIGURED');
    });

    it('a forged page cursor carrying a NUL or a lone surrogate is a 400 (the NUL reached Postgres)', async () => {
      for (const id of ['a\u0000', 'a\ud800']) {
        await refusedAs({ method: 'GET', path: `/api/v1/tenants?cursor=${cursor([id])}`, headers: callers.support }, 400, 'VALIDATION_FAILED');
      }
      const time = cursor(['2026-12-04T00:00:00.000Z', `00000000-0000-0000-0000-00000000000\u0000`]);
      await refusedAs({ method: 'GET', path: `/api/v1/licenses?cursor=${time}`, headers: callers.support }, 400, 'VALIDATION_FAILED');
    });

    it('a forged license-request cursor with a non-UUID id or a year Postgres cannot store is a 400', async () => {
      for (const parts of [
        ['2026-12-04T00:00:00.000Z', '-'.repeat(36)],
        ['2026-12-04T00:00:00.000Z', '0'.repeat(36)],
        ['-271821-04-20T00:00:00.000Z', 'ffffffff-ffff-ffff-ffff-ffffffffffff'],
      ]) {
        await refusedAs({ method: 'GET', path: `/api/v1/license-requests?cursor=${cursor(parts)}`, headers: callers.support }, 400, 'VALIDATION_FAILED');
      }
    });
  });

  it('the invariants catch what they are meant to catch (the harness tested on known-bad answers and a real write)', async () => {
    const answer = (status: number, text: string): WireResponse => ({ status, headers: { 'content-type': 'application/json' }, text });
    const error = (extra: object) => JSON.stringify({ error: { code: 'X', message: 'm', details: null, request_id: 'r', ...extra } });
    expect(responseViolations(answer(400, error({})), privateKeyPem)).toEqual([]);
    expect(responseViolations(answer(502, '{}'), privateKeyPem)).toContain('status 502');
    expect(responseViolations(answer(400, '{"message":"no"}'), privateKeyPem)).toContain('a 4xx body other than {error}');
    expect(responseViolations(answer(404, error({ stack: 'x' })), privateKeyPem)).toEqual(['error keys code,details,message,request_id,stack']);
    expect(responseViolations(answer(200, 'Error\n    at run (app.js:1:2)'), privateKeyPem)).toEqual(['a stack trace in the body']);
    expect(responseViolations(answer(400, error({ message: 'duplicate key value violates unique constraint' })), privateKeyPem)[0]).toMatch(/^SQL/);
    expect(responseViolations(answer(200, privateKeyPem.split('\n')[3]), privateKeyPem)).toEqual(['the private key in the body']);
    await rows.changes();
    const patched = await cp.http('PATCH', '/api/v1/tenants/hostile-acme', { token: callers.support.authorization.slice(7), body: { name: 'Renamed' } });
    expect(patched.status).toBe(200);
    expect((await rows.changes()).map((change) => change.split(' ')[0]).sort()).toEqual(['audit_events', 'tenants']);
  });

  it('refuses NUL bytes in the Authorization header at the HTTP parser, before the app', async () => {
    for (const value of ['Bearer la_\u0000abc', 'Bearer \u0000', '\u0000']) {
      const response = await socketRequest(cp.baseUrl, `GET /api/v1/session HTTP/1.1\r\nHost: x\r\nAuthorization: ${value}\r\nConnection: close\r\n\r\n`);
      expect(response.status).toBe(400);
      expect(response.text).not.toContain('    at ');
    }
  });

  it('answers hostile license tokens on phone-home and inspect without a 5xx or a write', async () => {
    const tokens = await hostileLicenseTokens(genuine, privateKeyPem);
    const support = callers.support;
    const problems: string[] = [];
    for (const [name, token] of Object.entries(tokens)) {
      const home = { license: token, tp_version: '4.2.0' };
      problems.push(...(await checked(`phone-home with ${name}`, jsonRequest('POST', '/api/v1/phone-home', home))));
      problems.push(...(await checked(`inspect ${name}`, jsonRequest('POST', '/api/v1/licenses/inspect', { token }, support))));
    }
    expect(problems).toEqual([]);
  }, 120_000);

  it('answers license tokens signed with the real key over generated claims without a 5xx', async () => {
    const key = createPrivateKey(privateKeyPem);
    const kid = JSON.parse(Buffer.from(genuine.split('.')[0], 'base64url').toString()).kid as string;
    const claim = fc.constantFrom(
      'jti',
      'sub',
      'tenant_id',
      'exp',
      'iat',
      'nbf',
      'limits',
      'modules',
      'addons',
      'deployment_mode',
      'fingerprint',
      'renewed_from',
    );
    const value = fc.oneof(
      fc.constantFrom<unknown>(1e308, -1e308, 2 ** 64, -0, -1, 0, 8.64e15, 'x'.repeat(5_000), '\u0000', '\ud800', '', null, true, [], {}, randomUUID()),
      fc.jsonValue({ maxDepth: 3 }),
    );
    const details = await fc.check(
      fc.asyncProperty(fc.dictionary(claim, value, { minKeys: 1, maxKeys: 4 }), async (overrides) => {
        const token = await new SignJWT({ ...claimsOf(genuine), ...overrides } as Record<string, unknown>)
          .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid })
          .sign(key);
        const label = `claims ${JSON.stringify(overrides).slice(0, 300)}`;
        const problems = [
          ...(await checked(`phone-home ${label}`, jsonRequest('POST', '/api/v1/phone-home', { license: token, tp_version: '4.2.0' }))),
          ...(await checked(`inspect ${label}`, jsonRequest('POST', '/api/v1/licenses/inspect', { token }, callers.support))),
        ];
        if (problems.length > 0) throw new Error(problems.join('\n'));
      }),
      { seed: SEED, numRuns: 40 },
    );
    expect(details.failed ? reportOf(details) : '').toBe('');
  }, 120_000);
});

/** Real rows for generated requests to hit: a tenant with a subscription and a license, a token, a request, a customer. */
async function createFixtures(cp: TestApp) {
  const admin = await cp.token('admin');
  const support = await cp.token('support');
  await mapPrices(cp, support);
  const license = await tenantWithLicense(cp, support, { id: 'hostile-acme' });
  // The tokens routes get a decoy: revoking or rotating the caller's own token would end the run.
  const decoy = await cp.http('POST', '/api/v1/tokens', { token: admin, body: { name: 'decoy', role: 'viewer' } });
  const asked = await cp.http('POST', '/api/v1/license-requests', { token: support, body: { tenant_id: 'hostile-acme', kind: 'new', environment: 'staging' } });
  const link = await cp.http('POST', '/api/v1/tenants/hostile-acme/login-links', { token: support });
  const loginToken = new URL(link.body.url as string).hash.replace('#login_token=', '');
  const session = await cp.http('POST', '/api/v1/billing/login-links/redeem', { body: { token: loginToken } });
  for (const [what, response] of Object.entries({ decoy, asked, link, session })) {
    if (response.status >= 300) throw new Error(`fixture ${what}: ${response.status} ${response.text}`);
  }
  const ids = ['hostile-acme', license, claimsOf(license).jti, 'operations', 'automation_pro', decoy.body.id as string, asked.body.id as string];
  return { admin, support, license, customer: session.body.session_token as string, ids };
}

/** Every operation of the document with the names of its parameters and body properties. */
function operationsOf(document: { paths: Record<string, Record<string, any>>; components?: { schemas?: Record<string, any> } }): Operation[] {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    Object.entries(item).map(([method, operation]) => {
      const parameters = (operation.parameters ?? []) as (Parameter & { in: string })[];
      let schema = operation.requestBody?.content?.['application/json']?.schema;
      if (schema?.$ref) schema = document.components?.schemas?.[String(schema.$ref).split('/').pop()!];
      return {
        method: method.toUpperCase(),
        path,
        pathParams: parameters.filter((parameter) => parameter.in === 'path').map((parameter) => parameter.name),
        queryParams: parameters.filter((parameter) => parameter.in === 'query'),
        bodySchema: schema as Schema | undefined,
        bodyKeys: Object.keys(schema?.properties ?? {}),
      };
    }),
  );
}

interface GeneratedRequest {
  caller: string;
  headers: Record<string, string>;
  params: string[];
  query: string;
  body?: RawBody;
}

/** One generated request for `operation`; GET gets no body (a body on GET is ignored by the app). */
function requestFor(operation: Operation, realIds: string[], callerNames: string[]): fc.Arbitrary<GeneratedRequest> {
  const asJson = (text: string): RawBody => ({ contentType: 'application/json', text });
  const asJsonValue = (value: unknown) => asJson(JSON.stringify(value) ?? 'null');
  const body = fc.option(
    fc.oneof(
      { weight: operation.bodySchema ? 2 : 0, arbitrary: fromSchema(operation.bodySchema, realIds, true).map(asJsonValue) },
      { weight: operation.bodySchema ? 3 : 0, arbitrary: oneFieldOff(operation.bodySchema, realIds).map(asJsonValue) },
      { weight: operation.bodySchema ? 1 : 0, arbitrary: fromSchema(operation.bodySchema, realIds).map(asJsonValue) },
      { weight: 2, arbitrary: jsonText(operation.bodyKeys, realIds).map(asJson) },
      { weight: 1, arbitrary: rawBody(operation.bodyKeys, realIds) },
    ),
    { nil: undefined, freq: 6 },
  );
  return fc.record(
    {
      // Mostly staff: a request refused at the door never reaches the code behind it.
      caller: fc.oneof({ weight: 3, arbitrary: fc.constantFrom('admin', 'support') }, { weight: 1, arbitrary: fc.constantFrom(...callerNames) }),
      headers: hostileHeaders(realIds),
      params: fc.array(pathSegment(realIds), { minLength: operation.pathParams.length, maxLength: operation.pathParams.length }),
      query: queryString(operation.queryParams, realIds),
      body: operation.method === 'GET' ? fc.constant(undefined) : body,
    },
    { requiredKeys: ['caller', 'headers', 'params', 'query'] },
  );
}

function wireFor(operation: Operation, generated: GeneratedRequest, callers: Record<string, Record<string, string>>): WireRequest {
  let index = 0;
  const path = operation.path.replace(/\{[^}]+\}/g, () => generated.params[index++]) + generated.query;
  const headers: Record<string, string> = { ...generated.headers, ...callers[generated.caller] };
  if (generated.body?.contentType) headers['content-type'] = generated.body.contentType;
  if (generated.body?.contentEncoding) headers['content-encoding'] = generated.body.contentEncoding;
  return { method: operation.method, path, headers, body: generated.body?.text };
}

/** What failed, in words: the operation, the caller and the wire request (a generated path can be long). */
function labelOf(operation: Operation, generated: GeneratedRequest, wire: WireRequest): string {
  return `${operation.method} ${operation.path} as ${generated.caller}: ${wire.path.slice(0, 300)} ${JSON.stringify(wire.headers)} ${wire.body?.slice(0, 300) ?? ''}`;
}

/** The operation's path with every parameter set to `id`. */
function concretePath(operation: Operation, id: string): string {
  return operation.path.replace(/\{[^}]+\}/g, encodeURIComponent(id));
}

function jsonRequest(method: string, path: string, body: unknown, headers: Record<string, string> = {}): WireRequest {
  return { method, path, headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify(body) };
}

/** fast-check's report (seed, path, shrunk counterexample) and what the counterexample broke. */
function reportOf<Values>(details: fc.RunDetails<Values>): string {
  const error = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
  return `${fc.defaultReportMessage(details)}\nReplay the whole file: HOSTILE_SEED=${SEED} (this property ran with seed ${details.seed})\n${error}`;
}
