import fc from 'fast-check';
import { request as rawHttpRequest } from 'node:http';
import { connect } from 'node:net';

/**
 * Generators and plumbing for the hostile-input suite (test/hostile-input.e2e-spec.ts): the strings,
 * JSON texts, query strings and raw bodies an attacker (or a broken client) sends, and an HTTP caller
 * that can put any of them on the wire.
 */

/** The values each generator mixes in on purpose: what broke (or could break) a parser, a pipe or a column. */
export const HOSTILE_STRINGS = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '%00',
  '\ud800',
  'x\udfff',
  '..',
  '../..',
  '../../etc/passwd',
  '%2e%2e',
  'ümlaut',
  '日本語',
  '🦄',
  '\u202eevil',
  '\ufeff',
  "' OR 1=1 --",
  '${jndi:ldap://x}',
  '<script>alert(1)</script>',
  'null',
  'true',
  '-1',
  '0',
  '-0',
  '1e308',
  '2e308',
  'NaN',
  'Infinity',
  '18446744073709551616',
  '9'.repeat(400),
  'x'.repeat(2_000),
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  '00000000-0000-0000-0000-000000000000',
  'ffffffff-ffff-ffff-ffff-ffffffffffff',
];

/** JSON number literals written out, so `-0`, 2**64 and out-of-range exponents reach the server verbatim. */
const NUMBER_LITERALS = [
  '0',
  '-0',
  '1',
  '-1',
  '1.5',
  '1e308',
  '-1e308',
  '1e999',
  '1e-400',
  '18446744073709551616',
  '9007199254740993',
  '123456789012345678901234567890',
];

/** Any UTF-16 code unit, lone surrogates and NUL included (fast-check's string units never split a pair). */
const codeUnit = fc.integer({ min: 0, max: 0xffff }).map((unit) => String.fromCharCode(unit));

/** Built arbitraries by id list: building fast-check's grapheme and pattern arbitraries is slow, drawing from them is not. */
const hostileStrings = new WeakMap<readonly string[], fc.Arbitrary<string>>();
const patterns = new Map<string, fc.Arbitrary<string>>();

/** A hostile string: one of the corpus, a real id, arbitrary code units, or unicode text. */
export function hostileString(realIds: readonly string[]): fc.Arbitrary<string> {
  if (!hostileStrings.has(realIds)) hostileStrings.set(realIds, buildHostileString(realIds));
  return hostileStrings.get(realIds)!;
}

function buildHostileString(realIds: readonly string[]): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...HOSTILE_STRINGS) },
    { weight: 3, arbitrary: fc.constantFrom(...realIds) },
    { weight: 1, arbitrary: fc.string({ unit: codeUnit, maxLength: 24 }) },
    { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 24 }) },
    { weight: 1, arbitrary: fc.uuid() },
    { weight: 1, arbitrary: fc.constantFrom(...realIds).map((id) => `${id}\u0000`) },
  );
}

/**
 * Percent-encodes every code unit, a lone surrogate as its WTF-8 bytes (`%ED%A0%80`), which
 * encodeURIComponent refuses to do: that is what a client that does not validate its strings sends.
 */
export function percentEncode(text: string): string {
  let encoded = '';
  for (let index = 0; index < text.length; index += 1) {
    const unit = text.charCodeAt(index);
    const next = text.charCodeAt(index + 1);
    if (unit >= 0xd800 && unit <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
      encoded += encodeURIComponent(text.slice(index, index + 2));
      index += 1;
    } else if (unit >= 0xd800 && unit <= 0xdfff) {
      encoded += [0xe0 | (unit >> 12), 0x80 | ((unit >> 6) & 0x3f), 0x80 | (unit & 0x3f)].map((byte) => `%${byte.toString(16).toUpperCase()}`).join('');
    } else {
      encoded += encodeURIComponent(text[index]);
    }
  }
  return encoded;
}

/** A path segment: usually percent-encoded, sometimes raw (the URL parser then decides what to escape). */
export function pathSegment(realIds: readonly string[]): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...realIds).map(percentEncode) },
    { weight: 4, arbitrary: hostileString(realIds).map(percentEncode) },
    { weight: 1, arbitrary: fc.constantFrom('..', '.', '%2e%2e', '%2F', '%00', '%', '%E0%A4%A', '%ED%A0%80', 'a%2Fb', '%252e') },
  );
}

export interface Parameter {
  name: string;
  schema?: Schema;
}

const asQueryText = (value: unknown) => (typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value));

/** A query value as text: what the schema allows or just misses, a hostile string, or a forged page cursor. */
function queryValue({ name, schema }: Parameter, realIds: readonly string[]): fc.Arbitrary<string> {
  // A cursor is opaque text to the schema; a forged one is what reaches the code behind it.
  if (name === 'cursor') return fc.oneof({ weight: 3, arbitrary: forgedCursor(realIds) }, fromSchema(schema, realIds).map(asQueryText));
  return fc.oneof({ weight: 3, arbitrary: fromSchema(schema, realIds).map(asQueryText) }, fc.constantFrom(...NUMBER_LITERALS), forgedCursor(realIds));
}

/** A query string over the operation's own parameters and random keys: repeated keys, `k[]`, `k[x]`, bare keys. */
export function queryString(parameters: readonly Parameter[], realIds: readonly string[]): fc.Arbitrary<string> {
  const declared = parameters.map((parameter) =>
    fc.tuple(fc.constantFrom(parameter.name, `${parameter.name}[]`, `${parameter.name}[x]`), queryValue(parameter, realIds)),
  );
  const random = fc.tuple(hostileString(realIds), hostileString(realIds));
  const pair = fc.oneof(
    { weight: declared.length > 0 ? 5 : 0, arbitrary: declared.length > 0 ? fc.oneof(...declared) : random },
    { weight: 1, arbitrary: random },
  );
  const text = fc.oneof(
    { weight: 6, arbitrary: pair.map(([name, value]) => `${percentEncode(name)}=${percentEncode(value)}`) },
    { weight: 1, arbitrary: pair.map(([name]) => percentEncode(name)) },
  );
  const anything = fc.array(text, { maxLength: 4 }).map((pairs) => pairs.join('&'));
  const query = parameters.length > 0 ? fc.oneof(anything, oneParameterOff(parameters, realIds)) : anything;
  return query.map((joined) => (joined ? `?${joined}` : ''));
}

/** Valid values for some declared parameters and a hostile one for one of them: every other check passes. */
function oneParameterOff(parameters: readonly Parameter[], realIds: readonly string[]): fc.Arbitrary<string> {
  const valid = parameters.map(({ name, schema }) =>
    fc.option(
      fromSchema(schema, realIds, true).map((value) => `${name}=${percentEncode(asQueryText(value))}`),
      { nil: undefined },
    ),
  );
  const off = fc.oneof(...parameters.map((parameter) => queryValue(parameter, realIds).map((value) => `${parameter.name}=${percentEncode(value)}`)));
  return fc.tuple(fc.tuple(...valid), off).map(([pairs, hostile]) => [...pairs.filter((pair) => pair !== undefined), hostile].join('&'));
}

/**
 * An opaque page cursor (base64url of a JSON array of the sort key) forged from hostile parts: the
 * hostile-text middleware sees only base64, so whatever the cursor carries arrives decoded past it.
 */
export function forgedCursor(realIds: readonly string[]): fc.Arbitrary<string> {
  const times = fc.constantFrom(
    '2026-12-04T00:00:00.000Z',
    '0000-01-01T00:00:00Z',
    '9999-12-31T23:59:59.999999999Z',
    '-271821-04-20T00:00:00.000Z',
    '+275760-09-13T00:00:00.000Z',
    '2026-12-04T00:00:00+01:00',
  );
  const ids = fc.oneof(fc.uuid(), fc.constantFrom('-'.repeat(36), '0'.repeat(36), 'ffffffff-ffff-ffff-ffff-ffffffffffff'), hostileString(realIds));
  // Mostly shaped like a real key (a time and an id, or an id alone), so the decoder's own checks are what is tested.
  const shaped = fc.oneof(fc.tuple(times, ids), fc.tuple(ids));
  const anything = fc.array(fc.oneof(times, ids), { minLength: 0, maxLength: 3 });
  return fc.oneof({ weight: 3, arbitrary: shaped }, anything).map((parts) => Buffer.from(JSON.stringify(parts)).toString('base64url'));
}

/** JSON text with the keys an operation declares, prototype keys, hostile strings and unrepresentable numbers. */
export function jsonText(bodyKeys: readonly string[], realIds: readonly string[]): fc.Arbitrary<string> {
  const strings = hostileString(realIds);
  const key = fc.oneof(
    { weight: bodyKeys.length > 0 ? 4 : 0, arbitrary: bodyKeys.length > 0 ? fc.constantFrom(...bodyKeys) : fc.constant('x') },
    { weight: 1, arbitrary: fc.constantFrom('__proto__', 'constructor', 'prototype') },
    { weight: 1, arbitrary: strings },
  );
  const leaf = fc.oneof(strings.map(jsonString), fc.constantFrom(...NUMBER_LITERALS, 'true', 'false', 'null'), fc.double().map(String).filter(isJsonNumber));
  const { value } = fc.letrec<{ value: string; array: string; object: string }>((tie) => ({
    value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leaf, tie('array'), tie('object')),
    array: fc.array(tie('value'), { maxLength: 4 }).map((items) => `[${items.join(',')}]`),
    object: fc
      .array(fc.tuple(key, tie('value')), { maxLength: 6 })
      .map((entries) => `{${entries.map(([name, item]) => `${jsonString(name)}:${item}`).join(',')}}`),
  }));
  return fc.oneof({ weight: 6, arbitrary: value }, { weight: 1, arbitrary: deepJson() });
}

/** JSON.stringify escapes NUL and lone surrogates (`\u0000`, `\ud800`), so they arrive as the text, not as bytes. */
const jsonString = (text: string) => JSON.stringify(text);

const isJsonNumber = (text: string) => /^-?\d/.test(text);

/** Nesting from just past the app's limit to about 1,200 levels, in arrays or objects. */
function deepJson(): fc.Arbitrary<string> {
  return fc
    .record({ depth: fc.integer({ min: 30, max: 1_200 }), object: fc.boolean() })
    .map(({ depth, object }) => (object ? `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}` : `${'['.repeat(depth)}${']'.repeat(depth)}`));
}

export interface RawBody {
  contentType?: string;
  contentEncoding?: string;
  text: string;
}

const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'application/json; charset=utf-16',
  'application/json; charset=latin1',
  'application/merge-patch+json',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/xml',
  '*/*',
  'application/json; charset=',
  'application/json;;;',
];

const BROKEN_JSON = [
  '{',
  '{"a":',
  '[1,]',
  "{'a':1}",
  'undefined',
  '\ufeff{}',
  '{"a":1}{"b":2}',
  'nul\u0000',
  '{"a":"\\ud800"}',
  '{"a":1e99999}',
  '{"__proto__":{"polluted":1}}',
  '""',
  '1',
  'null',
  '[]',
];

/** Bodies that are not what the route expects: broken JSON, other media types, bogus encodings. */
export function rawBody(bodyKeys: readonly string[], realIds: readonly string[]): fc.Arbitrary<RawBody> {
  const text = fc.oneof(fc.constantFrom(...BROKEN_JSON), fc.string({ unit: codeUnit, maxLength: 64 }), jsonText(bodyKeys, realIds));
  return fc.record(
    {
      contentType: fc.constantFrom(...CONTENT_TYPES),
      contentEncoding: fc.constantFrom('gzip', 'deflate', 'br', 'identity', 'x-unknown'),
      text,
    },
    { requiredKeys: ['text'] },
  );
}

export interface WireResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

export interface WireRequest {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

/**
 * One request with node:http, which (unlike fetch) sends latin-1 header values and bodies on GET. An
 * event stream is cut after its first bytes: the invariants are about the status and headers, and an
 * SSE response never ends on its own.
 */
export function wireRequest(baseUrl: string, request: WireRequest): Promise<WireResponse> {
  return new Promise((resolve, reject) => {
    const call = rawHttpRequest(`${baseUrl}${request.path}`, { method: request.method, headers: request.headers, timeout: 15_000 }, (response) => {
      const chunks: Buffer[] = [];
      const finish = () => resolve({ status: response.statusCode ?? 0, headers: response.headers, text: Buffer.concat(chunks).toString('utf8') });
      if (String(response.headers['content-type']).startsWith('text/event-stream')) {
        response.once('data', (chunk: Buffer) => {
          chunks.push(chunk);
          response.destroy();
          finish();
        });
        return;
      }
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', finish);
      response.on('error', reject);
    });
    call.on('timeout', () => call.destroy(new Error(`${request.method} ${request.path.slice(0, 200)}: no answer in 15 s`)));
    call.on('error', reject);
    call.end(request.body);
  });
}

/** A header value as a client would put UTF-8 text on the wire: its bytes, read as latin-1 by node:http. */
export const asHeaderBytes = (text: string) => Buffer.from(text, 'utf8').toString('latin1');

/** Headers the app reads besides Authorization: client address, request id, ETags, stream resumption, CSRF. */
const READ_HEADERS = ['x-forwarded-for', 'x-request-id', 'if-none-match', 'last-event-id', 'x-csrf-token', 'user-agent', 'origin'];

/** Header values node:http can put on the wire (no control characters), from the hostile strings. */
export function hostileHeaders(realIds: readonly string[]): fc.Arbitrary<Record<string, string>> {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is removed
  const value = hostileString(realIds).map((text) => asHeaderBytes(text).replace(/[\u0000-\u0008\u000a-\u001f\u007f]/g, ''));
  return fc.dictionary(fc.constantFrom(...READ_HEADERS), fc.oneof(value, fc.constantFrom('1.2.3.4, garbage', '::1, ::ffff:999.1.1.1', '"*"', 'W/"x"')), {
    maxKeys: 2,
  });
}

/**
 * A request written byte for byte on a socket: the only way to send a NUL in a header, which fetch and
 * node:http refuse to put on the wire. Node's own parser answers such a request before the app sees it.
 */
export function socketRequest(baseUrl: string, head: string): Promise<WireResponse> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) }, () => socket.end(Buffer.from(head, 'latin1')));
    const chunks: Buffer[] = [];
    socket.setTimeout(15_000, () => socket.destroy(new Error('no answer in 15 s')));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('latin1');
      const [statusLine = '', ...rest] = text.split('\r\n\r\n')[0].split('\r\n');
      const headers = Object.fromEntries(rest.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]));
      resolve({ status: Number(statusLine.split(' ')[1]), headers, text: text.slice(text.indexOf('\r\n\r\n') + 4) });
    });
  });
}

/** The subset of JSON Schema the OpenAPI document uses for request bodies and parameters. */
export interface Schema {
  type?: string;
  format?: string;
  enum?: unknown[];
  pattern?: string;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  maxItems?: number;
  nullable?: boolean;
  items?: Schema;
  properties?: Record<string, Schema>;
  required?: string[];
  anyOf?: Schema[];
  oneOf?: Schema[];
}

/**
 * Values that satisfy `schema` (`strict`) or sit just past its edges (max + 1, maxLength + 1, a hostile
 * string): a request that gets past validation reaches the services and the database, where 500s hide.
 */
export function fromSchema(schema: Schema | undefined, realIds: readonly string[], strict = false, depth = 0): fc.Arbitrary<unknown> {
  if (!schema || depth > 4) return strict ? fc.constantFrom(...realIds) : hostileString(realIds);
  const typed = typedValue(schema, realIds, strict, depth);
  const value = schema.nullable ? fc.oneof({ weight: 4, arbitrary: typed }, { weight: 1, arbitrary: fc.constant(null) }) : typed;
  return strict ? value : fc.oneof({ weight: 9, arbitrary: value }, { weight: 1, arbitrary: hostileString(realIds) });
}

/** A valid value for `schema` with exactly one property (at the top) replaced by a value past its edges. */
export function oneFieldOff(schema: Schema | undefined, realIds: readonly string[]): fc.Arbitrary<unknown> {
  const names = Object.keys(schema?.properties ?? {});
  if (names.length === 0) return fromSchema(schema, realIds);
  // Built once: fc.stringMatching compiles its pattern, too slow to repeat for every generated value.
  const off = names.map((name) => fromSchema(schema!.properties![name], realIds).map((value) => [name, value] as const));
  return fc.tuple(fromSchema(schema, realIds, true), fc.oneof(...off)).map(([valid, [name, value]]) => ({ ...(valid as object), [name]: value }));
}

function typedValue(schema: Schema, realIds: readonly string[], strict: boolean, depth: number): fc.Arbitrary<unknown> {
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives) return fc.oneof(...alternatives.map((alternative) => fromSchema(alternative, realIds, strict, depth + 1)));
  if (schema.enum) return fc.constantFrom(...schema.enum);
  if (schema.type === 'integer' || schema.type === 'number') return numberNear(schema, strict);
  if (schema.type === 'boolean') return fc.boolean();
  if (schema.type === 'array') {
    const maxLength = strict ? Math.min(schema.maxItems ?? 3, 3) : Math.min((schema.maxItems ?? 4) + 1, 12);
    return fc.array(fromSchema(schema.items, realIds, strict, depth + 1), { maxLength });
  }
  if (schema.type === 'object' || schema.properties) return objectFrom(schema, realIds, strict, depth);
  return strict ? validString(schema, realIds) : stringNear(schema, realIds);
}

function numberNear(schema: Schema, strict: boolean): fc.Arbitrary<number> {
  const min = schema.minimum ?? -(2 ** 31);
  const max = schema.maximum ?? 2 ** 31;
  const inRange = schema.type === 'integer' ? fc.integer({ min: Math.ceil(min), max: Math.floor(max) }) : fc.double({ min, max, noNaN: true });
  if (strict) return fc.oneof(inRange, fc.constantFrom(min, max));
  return fc.oneof(inRange, fc.constantFrom(min, max, min - 1, max + 1, 0, -0, -1, 0.5, 2 ** 31, 2 ** 53 + 2, 2 ** 64, 1e308, -1e308));
}

const EDGE_DATES = ['1970-01-01T00:00:00Z', '9999-12-31T23:59:59Z', '+275760-09-13T00:00:00.000Z', '2026-02-30T00:00:00Z', '2026-12-04', '0'];

/** A string the schema accepts: its format, its pattern, a length within bounds, or a real id. */
function validString(schema: Schema, realIds: readonly string[]): fc.Arbitrary<string> {
  if (schema.format === 'uuid') return fc.oneof(fc.uuid(), ...someOf(realIds.filter((id) => /^[0-9a-f-]{36}$/.test(id))));
  if (schema.format === 'date-time') return fc.constantFrom('2027-01-01T00:00:00Z', '2026-12-05T12:00:00.000Z', '2030-06-30T23:59:59Z');
  if (schema.format === 'email') return fc.constantFrom('ops@hostile-acme.example', 'a@b.example');
  if (schema.pattern) return fc.oneof(stringMatching(schema), ...someOf(realIds.filter((id) => new RegExp(schema.pattern!).test(id))));
  const minLength = Math.max(schema.minLength ?? 1, 1);
  const maxLength = Math.min(schema.maxLength ?? 24, 24);
  const fitting = realIds.filter((id) => id.length >= minLength && id.length <= (schema.maxLength ?? Infinity));
  return fc.oneof(fc.string({ unit: 'grapheme', minLength, maxLength: Math.max(minLength, maxLength) }), ...someOf(fitting));
}

/** The real ids that fit, as one arbitrary, or none (fc.constantFrom refuses an empty list; a filter would spin). */
const someOf = (ids: string[]) => (ids.length > 0 ? [fc.constantFrom(...ids)] : []);

/** Strings the pattern matches, bounded: some patterns match arbitrarily long text. */
function stringMatching(schema: Schema): fc.Arbitrary<string> {
  const key = `${schema.pattern}/${schema.maxLength}`;
  if (!patterns.has(key))
    patterns.set(
      key,
      fc.stringMatching(new RegExp(schema.pattern!)).filter((text) => text.length <= (schema.maxLength ?? 512)),
    );
  return patterns.get(key)!;
}

function stringNear(schema: Schema, realIds: readonly string[]): fc.Arbitrary<string> {
  const variants: fc.Arbitrary<string>[] = [validString(schema, realIds)];
  if (schema.format === 'date-time') variants.push(fc.constantFrom(...EDGE_DATES));
  if (schema.format === 'email') variants.push(fc.constantFrom('ÿ@ü.example', `${'a'.repeat(64)}@x.example`, 'a@b', '@'));
  if (schema.maxLength !== undefined)
    variants.push(fc.constantFrom('x'.repeat(schema.maxLength), 'x'.repeat(schema.maxLength + 1), '日'.repeat(schema.maxLength)));
  if (schema.minLength) variants.push(fc.constant('x'.repeat(schema.minLength - 1)));
  return fc.oneof(...variants);
}

/** An object with the schema's properties, its required ones always present, sometimes with an undeclared key. */
function objectFrom(schema: Schema, realIds: readonly string[], strict: boolean, depth: number): fc.Arbitrary<Record<string, unknown>> {
  const properties = schema.properties ?? {};
  const model = Object.fromEntries(Object.entries(properties).map(([name, property]) => [name, fromSchema(property, realIds, strict, depth + 1)]));
  const declared = fc.record(model, { requiredKeys: (schema.required ?? []).filter((name) => name in properties) });
  if (strict) return declared;
  const extra = fc.option(fc.tuple(fc.constantFrom('__proto__', 'constructor', 'unknown_field'), fc.jsonValue({ maxDepth: 2 })), { freq: 4, nil: undefined });
  return fc
    .tuple(declared, extra)
    .map(([object, added]) => (added ? Object.defineProperty({ ...object }, added[0], { value: added[1], enumerable: true }) : object));
}
