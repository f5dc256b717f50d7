// Hostile requests, generated with fast-check from what an operation declares it reads: its path parameters, its
// query parameters and its body's JSON schema. Every generated request holds at least one thing the operation must
// refuse (an operator object, a prototype key, a wrong type, a string no field of that kind takes, paging out of
// range, a body too big or not JSON...), so the expected answer is always a 4xx; where an operation reads nothing,
// hostile extras must change nothing about its answer.
import fc from 'fast-check';
import type { ApiOp, FormOp, JsonSchema, Op } from './endpoints.ts';

/** One request to make. Paths and queries are sent as written (already percent-encoded). */
export type Probe = {
  op: Op;
  category: string;
  /** bearer: the API with a token; bff: the portal's or the console's API proxy with a session; page: a sign-in page. */
  via: 'bearer' | 'bff' | 'page';
  method: string;
  path: string;
  query?: string;
  contentType?: string;
  body?: string | Uint8Array;
  accept: 'json' | 'html';
  /** refused: a 4xx with a message; ignored: the same answer as without the hostile part (the operation reads none). */
  expect: 'refused' | 'ignored';
};

/** The body limit of lib/http.ts (64 KiB), and a body safely over it. */
export const BODY_LIMIT = 64 * 1024;

const j = JSON.stringify;

// ---- Values (as raw JSON text, so bodies can hold what JSON.stringify cannot write: `1e309`, `__proto__` keys) ----

const OPERATORS = [
  '{"$ne":null}',
  '{"$ne":""}',
  '{"$gt":""}',
  '{"$gte":0}',
  '{"$where":"sleep(1000) || true"}',
  '{"$regex":".*","$options":"si"}',
  '{"$in":[null,"",0]}',
  '{"$exists":true}',
  '{"$expr":{"$eq":[1,1]}}',
  '{"$function":{"body":"function(){return true}","args":[],"lang":"js"}}',
];
const PROTOTYPES = [
  '{"__proto__":{"polluted":true}}',
  '{"constructor":{"prototype":{"polluted":true}}}',
  '{"prototype":{"polluted":true}}',
  '{"__proto__":null}',
];
/** Inserted inside a value of a field with a format: none is whitespace (which some fields strip and then accept). */
const INJECTED = [
  '\r\nX-Injected: yes',
  '\u0000',
  '\u202E',
  '\u200B',
  '\uD800',
  '\u0301',
  'ｅ',
  '\u0430',
  '🧨',
  '\uFFFF',
  '\u{E0041}',
  '<script>',
  "' OR '1'='1",
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a template injection, on purpose
  '${7*7}',
];
const BAD_DATES = [
  '2026-02-30',
  '2026-13-01',
  '2026-00-10',
  '0000-00-00',
  '2026-1-1',
  '26-12-01',
  '2026-12-01T25:00:00Z',
  '2026-12-01T09:60:00Z',
  '2026-12-01T09:00:00+24:00',
  '2026-12-01T09:00:00',
  '+275760-09-14T00:00:00Z',
  '-000001-01-01T00:00:00Z',
  '2026-12-01 09:00',
  'now',
  'Invalid Date',
  '1764579600000',
  '2026-W49-1',
  '2026-12-01T09:00:00Z[Europe/London]',
  '9999-12-31', // well formed, but no date here is that far ahead
];
const BAD_TIMES = ['24:00', '07:60', '7:00', '07:00:00', '25:99', '-01:00', '0700', 'noon'];
const BAD_ZONES = [
  'Mars/Olympus_Mons',
  'UTC+25',
  'Etc/GMT+99',
  'Europe/Londn',
  '../../../etc/passwd',
  'Europe/London\u0000',
  'Europe/London\r\nX: y',
  '',
  'Local',
  '+25:00',
];

const typesOf = (s: JsonSchema | undefined): Set<string> => {
  if (!s) return new Set();
  const own = s.type === undefined ? [] : Array.isArray(s.type) ? s.type : [s.type];
  const members = [...(s.anyOf ?? []), ...(s.oneOf ?? []), ...(s.allOf ?? [])].flatMap((m) => [...typesOf(m)]);
  const fromEnum = (s.enum ?? (s.const !== undefined ? [s.const] : [])).map((v) => (v === null ? 'null' : typeof v));
  return new Set([...own, ...members, ...fromEnum]);
};
const flat = (s: JsonSchema): JsonSchema[] => [s, ...[...(s.anyOf ?? []), ...(s.oneOf ?? []), ...(s.allOf ?? [])].flatMap(flat)];
const first = <K extends keyof JsonSchema>(s: JsonSchema, key: K): JsonSchema[K] | undefined => flat(s).find((m) => m[key] !== undefined)?.[key];

/** Whether a string field only takes values of a form (a format, a pattern, an enum): any foreign character is refused. */
const formed = (s: JsonSchema) => flat(s).some((m) => m.format || m.pattern || m.enum || m.const !== undefined);

/** A plausible value of a string field, to inject into. */
function sample(s: JsonSchema): string {
  const e = first(s, 'enum') ?? (first(s, 'const') !== undefined ? [first(s, 'const')] : undefined);
  if (e?.length && typeof e[0] === 'string') return e[0];
  const format = first(s, 'format');
  if (format === 'email') return 'ana@example.com';
  if (format === 'date-time') return '2026-12-01T09:00:00Z';
  if (format === 'date') return '2026-12-01';
  return 'sample';
}
const inject = (value: string) =>
  fc.tuple(fc.constantFrom(...INJECTED), fc.nat(value.length)).map(([bad, at]) => value.slice(0, at) + bad + value.slice(at));

/** Wrong JSON types for a field: those its schema does not take (none when the schema does not say). */
function wrongTypes(s: JsonSchema): fc.Arbitrary<string> | undefined {
  const takes = typesOf(s);
  if (!takes.size) return undefined;
  const has = (t: string) => takes.has(t) || (t === 'integer' && takes.has('number')) || (t === 'number' && takes.has('integer'));
  const candidates: [string, string[]][] = [
    ['string', ['"12"', '"true"', '""', '"[object Object]"']],
    ['number', ['42', '-1', '0']],
    ['boolean', ['true', 'false']],
    ['null', ['null']],
    ['array', ['[]', '["a","b"]', '[{"$ne":null}]']],
    ['object', ['{}', '{"length":1}']],
  ];
  const wrong = candidates.filter(([t]) => !has(t)).flatMap(([, values]) => values);
  return wrong.length ? fc.constantFrom(...wrong) : undefined;
}

const nested = (depth: number, inner: string, open = '{"a":', close = '}') => open.repeat(depth) + inner + close.repeat(depth);

/** A raw JSON value that a field of schema `s` named `name` must refuse, and what kind of hostility it is. */
export function hostileValue(s: JsonSchema, name: string): fc.Arbitrary<[category: string, raw: string]> {
  const takes = typesOf(s);
  const v =
    (category: string) =>
    (raw: string): [string, string] => [category, raw];
  // Anything: operators, prototype keys, deep nesting and wrong types, once each; what the field's schema says it
  // takes (a format, a bound, a date, a time zone) is tried three times as often, as that is where a route's checks differ.
  const any = (arbitrary: fc.Arbitrary<[string, string]>) => ({ weight: 1, arbitrary });
  const own = (arbitrary: fc.Arbitrary<[string, string]>) => ({ weight: 3, arbitrary });
  const wrong = wrongTypes(s);
  const options = [
    any(fc.constantFrom(...OPERATORS).map(v('operator'))),
    any(fc.constantFrom(...PROTOTYPES).map(v('prototype-key'))),
    any(
      fc
        .integer({ min: 50, max: 4000 })
        .chain((d) => fc.constantFrom(nested(d, '1'), nested(d, '1', '[', ']')))
        .map(v('deep')),
    ),
    ...(wrong ? [any(wrong.map(v('wrong-type')))] : []),
  ];
  if (takes.has('string')) {
    const max = first(s, 'maxLength');
    if (max !== undefined) options.push(own(fc.integer({ min: max + 1, max: max + 2000 }).map((n) => ['too-long', j('x'.repeat(n))])));
    options.push(own(fc.constantFrom('\u0000', 'a\u0000b').map((x) => ['nul', j(x)])));
    if (formed(s)) options.push(own(inject(sample(s)).map((x) => ['crlf-nul-unicode', j(x)])));
    const format = first(s, 'format');
    if (format === 'date-time' || format === 'date' || /date|^from$|^to$|At$/.test(name))
      options.push(own(fc.constantFrom(...BAD_DATES).map((x) => ['bad-date', j(x)])));
    if (/zone/i.test(name)) options.push(own(fc.constantFrom(...BAD_ZONES).map((x) => ['bad-time-zone', j(x)])));
    if (/^(start|end)$/.test(name) && !format) options.push(own(fc.constantFrom(...BAD_TIMES).map((x) => ['bad-time', j(x)])));
  }
  if (takes.has('number') || takes.has('integer')) {
    const min = first(s, 'minimum') ?? first(s, 'exclusiveMinimum');
    const max = first(s, 'maximum') ?? first(s, 'exclusiveMaximum');
    const bad = ['1e309', '-1e309'];
    if (min !== undefined) bad.push(String(min - 1), String(min - 1e9));
    if (max !== undefined) bad.push(String(max + 1), '1e300', '9007199254740993');
    if (takes.has('integer') && !takes.has('number')) bad.push(String((min ?? 0) + 0.5));
    options.push(own(fc.constantFrom(...bad).map(v('bad-number'))));
  }
  if (takes.has('array')) {
    const maxItems = first(s, 'maxItems');
    if (maxItems !== undefined) options.push(own(fc.constant(['too-many', j(Array.from({ length: maxItems + 1 }, () => ({})))])));
    options.push(own(fc.constantFrom(...OPERATORS).map((x) => ['operator', `[${x}]`])));
  }
  return fc.oneof(...options);
}

/** Fields whose checks are their own (numbers, dates, time zones, formats) are picked three times as often. */
const particular = (s: JsonSchema, name: string) => {
  const takes = typesOf(s);
  return takes.has('number') || takes.has('integer') || formed(s) || /zone|date|start|end|^from$|^to$/i.test(name);
};

/** A JSON object body with one hostile field (maybe inside an object, or an array's object, the schema declares). */
function hostileField(s: JsonSchema, depth = 0): fc.Arbitrary<[string, string]> {
  const props = Object.entries(s.properties ?? {});
  if (!props.length) return fc.constantFrom(...OPERATORS, ...PROTOTYPES).map((v) => ['unknown-key', `{"$where":${v}}`]);
  const field = fc.oneof(...props.map((p) => ({ weight: particular(p[1], p[0]) ? 3 : 1, arbitrary: fc.constant(p) })));
  return field.chain(([name, field]) => {
    const members = flat(field);
    const inner = members.find((m) => m.properties);
    const item = members.map((m) => m.items).find((i) => i && flat(i).some((m) => m.properties));
    const value =
      inner && depth < 2
        ? fc.oneof(hostileValue(field, name), hostileField(inner, depth + 1))
        : item && depth < 2
          ? fc.oneof(
              hostileValue(field, name),
              hostileField(flat(item).find((m) => m.properties)!, depth + 1).map(([c, raw]): [string, string] => [c, `[${raw}]`]),
            )
          : hostileValue(field, name);
    return value.map(([category, raw]) => [category, `{${j(name)}:${raw}}`] as [string, string]);
  });
}

const TOP_LEVEL = [
  '[]',
  '[{"$ne":null}]',
  '"text"',
  '42',
  'null',
  'true',
  '{"$where":"sleep(1000)"}',
  '{"__proto__":{"polluted":true}}',
  '{"constructor":{"prototype":{"polluted":true}}}',
];
const NOT_JSON = [
  '{',
  '{"a":1,}',
  "{'a':1}",
  '{"a":NaN}',
  '\uFEFF{}',
  '{"a":1}garbage',
  '{"a":1}{"b":2}',
  '{"a":"x',
  'nul',
  ' ',
  'undefined',
  '{"a":01}',
];

type Body = Pick<Probe, 'category' | 'contentType' | 'body'>;

/** A hostile body for an operation whose body is `s`: one bad field, a bad whole, or bad transport. */
function hostileBody(s: JsonSchema): fc.Arbitrary<Body> {
  const json = (category: string, body: string | Uint8Array, contentType = 'application/json'): Body => ({ category, body, contentType });
  return fc.oneof(
    { weight: 12, arbitrary: hostileField(s).map(([category, body]) => json(category, body)) },
    { weight: 1, arbitrary: fc.constantFrom(...TOP_LEVEL).map((b) => json('top-level', b)) },
    { weight: 1, arbitrary: fc.constantFrom(...NOT_JSON).map((b) => json('invalid-json', b)) },
    { weight: 1, arbitrary: fc.constant(json('invalid-json', new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]))) },
    { weight: 1, arbitrary: fc.integer({ min: BODY_LIMIT + 1, max: BODY_LIMIT * 4 }).map((n) => json('huge', `{"name":"${'x'.repeat(n)}"}`)) },
    { weight: 1, arbitrary: fc.integer({ min: 1000, max: 12_000 }).map((d) => json('deep', nested(d, '1'))) },
    {
      weight: 1,
      arbitrary: fc
        .constantFrom('text/plain', 'application/xml', 'multipart/form-data; boundary=x', 'application/json-patch+json', 'image/png', 'none')
        .map((type) =>
          type === 'none'
            ? { category: 'content-type', body: new TextEncoder().encode('{"$where":"1"}') }
            : json('content-type', '{"$where":"1"}', type),
        ),
    },
    {
      weight: 1,
      arbitrary: fc
        .constantFrom('a[$ne]=1', '__proto__[polluted]=1', 'constructor[prototype][polluted]=1', '$where=1')
        .map((b) => json('form-in-json-api', b, 'application/x-www-form-urlencoded')),
    },
  );
}

// ---- Query strings and path segments ----

/** Percent-encodes, writing a lone surrogate as the bytes of its (invalid) UTF-8 form, as a careless client would. */
const enc = (s: string) =>
  [...s] // by code point: a lone surrogate comes alone
    .map((c) => {
      const n = c.charCodeAt(0);
      if (c.length > 1 || n < 0xd800 || n > 0xdfff) return encodeURIComponent(c);
      return [0xe0 | (n >> 12), 0x80 | ((n >> 6) & 0x3f), 0x80 | (n & 0x3f)].map((b) => `%${b.toString(16).toUpperCase()}`).join('');
    })
    .join('');
const PAGING = [
  '-1',
  '0',
  '-9999999999',
  '1e30',
  '99999999999999999999',
  '1.5',
  'abc',
  'NaN',
  'Infinity',
  '-Infinity',
  '',
  '%20',
  '1%00',
  '[object Object]',
];
// The last: shaped as every "<ms>_<id>" cursor we give, but at a time past what a database date can hold.
const CURSORS = [
  'x'.repeat(5000),
  '%00',
  '-1',
  '../../',
  '%7B%22%24gt%22%3A%22%22%7D',
  `${'9'.repeat(30)}_x`,
  'null',
  '%E0%A4%A',
  '999999999999999_mem_aaaaaaaaaaaa',
];

/** A hostile query string for an operation's declared query parameters. */
function hostileQuery(params: string[]): fc.Arbitrary<[string, string]> {
  return fc.constantFrom(...params).chain((name) => {
    // Paging, cursors and dates are tried three times as often as the rest: their checks are the routes' own.
    const options: fc.WeightedArbitrary<[string, string]>[] = [
      fc.constantFrom('$ne', '$gt', '$regex', '$where', '$exists').map((op): [string, string] => ['operator', `${name}[${op}]=1`]),
      fc
        .constantFrom(`__proto__[polluted]=1`, `constructor[prototype][polluted]=1`, `__proto__=x`, `prototype=1`, `hasOwnProperty=1`)
        .map((q): [string, string] => ['prototype-key', q]),
      fc.constant<[string, string]>(['array', `${name}=1&${name}=2`]),
      fc.constantFrom(...INJECTED).map((bad): [string, string] => ['crlf-nul-unicode', `${name}=${enc(`x${bad}y`)}`]),
      fc.constant<[string, string]>(['too-long', `${name}=${'x'.repeat(4000)}`]),
      fc.constantFrom('%E0%A4%A', '%', '%ZZ').map((x): [string, string] => ['bad-encoding', `${name}=${x}`]),
    ].map((arbitrary) => ({ weight: 1, arbitrary }));
    const own = (arbitrary: fc.Arbitrary<[string, string]>) => options.push({ weight: 3, arbitrary });
    if (/limit|year/.test(name)) own(fc.constantFrom(...PAGING).map((x) => ['paging', `${name}=${x}`]));
    if (/cursor|before/.test(name)) own(fc.constantFrom(...CURSORS).map((x) => ['cursor', `${name}=${x}`]));
    if (/^(from|to|date)$/.test(name)) own(fc.constantFrom(...BAD_DATES).map((x) => ['bad-date', `${name}=${enc(x)}`]));
    return fc.oneof(...options);
  });
}

/** Values no path parameter takes, percent-encoded. */
const BAD_SEGMENTS = [
  '__proto__',
  'constructor',
  'prototype',
  'hasOwnProperty',
  '%24ne',
  enc('{"$ne":null}'),
  '%5Bobject%20Object%5D',
  '%00',
  'x%00',
  '%0D%0ASet-Cookie:%20a=b',
  'x'.repeat(3000),
  '%E2%80%AE',
  '%EF%BB%BF',
  '%E0%A4%A',
  '%ZZ',
  'null',
  'undefined',
  '-1',
  '1e309',
  '%20',
  enc("' OR '1'='1"),
  // Encoded separators: the API proxy refuses them (portal/bff/api-path.ts), the APIs find no such resource.
  '%2f',
  'a%2F..%2F..%2Fadmin',
  '%5c',
  '..%5C..%5Cetc',
];

/** What each path parameter is when it is not the hostile one: a real resource, so the request reaches validation. */
export type RealParams = (op: Op, name: string) => string;

function fill(path: string, values: Record<string, string>) {
  return path.replace(/\{([^}]+)\}/g, (_, name: string) => values[name] ?? 'x');
}

// ---- Probes per operation ----

function apiProbes(op: ApiOp, real: RealParams): fc.WeightedArbitrary<Probe>[] {
  const params = Object.fromEntries(op.pathParams.map((p) => [p.name, enc(real(op, p.name))]));
  const base = { op, method: op.method, accept: 'json' as const, expect: 'refused' as const };
  const via = fc.constantFrom<Probe['via']>('bearer', 'bff');
  // Paths are refused by a lookup or a format check alone: bodies and queries have more to get wrong, so more tries.
  const out: fc.WeightedArbitrary<Probe>[] = [];
  if (op.pathParams.length) {
    out.push({
      weight: 1,
      arbitrary: fc
        .record({ via, name: fc.constantFrom(...op.pathParams.map((p) => p.name)), bad: fc.constantFrom(...BAD_SEGMENTS) })
        .map(({ via, name, bad }) => ({
          ...base,
          via,
          category: 'path',
          path: fill(op.path, { ...params, [name]: bad }),
          // A body the operation takes, so only the path is wrong.
          ...(op.body ? { contentType: 'application/json', body: '{}' } : {}),
        })),
    });
  }
  if (op.query.length) {
    out.push({
      weight: 3,
      arbitrary: fc
        .record({ via, q: hostileQuery(op.query.map((p) => p.name)) })
        .map(({ via, q: [category, query] }) => ({ ...base, via, category, path: fill(op.path, params), query })),
    });
  }
  if (op.body)
    out.push({
      weight: 3,
      arbitrary: fc.record({ via, b: hostileBody(op.body) }).map(({ via, b }) => ({ ...base, via, ...b, path: fill(op.path, params) })),
    });
  // An operation that reads nothing (GET /company, POST /payment-methods/setup...): hostile extras are ignored, so its
  // answer is the same as without them. Only safe methods: the others would act.
  if (!out.length && op.method === 'GET') {
    out.push({
      weight: 1,
      arbitrary: fc
        .record({ via, q: hostileQuery(['a', 'filter', 'where', 'limit', 'sort']) })
        .map(({ via, q: [category, query] }) => ({ ...base, via, category, path: fill(op.path, params), query, expect: 'ignored' as const })),
    });
  }
  return out;
}

const FORM_VALUES = [
  'ana@example.com\r\nBcc: eve@example.com',
  '\u0000',
  'ana\u0000@example.com',
  'ａｎａ@example.com',
  'ana@exa\u0301mple.com',
  '"><script>alert(1)</script>',
  'x'.repeat(400),
  "' OR '1'='1",
  'abcdef',
  '%00',
  '１２３４５６',
];

function formProbes(op: FormOp, uid: string): fc.WeightedArbitrary<Probe>[] {
  const accept = fc.constantFrom<Probe['accept']>('html', 'json');
  const base = { op, via: 'page' as const, method: op.method, expect: 'refused' as const };
  const out: fc.WeightedArbitrary<Probe>[] = [];
  if (op.path.includes('{uid}')) {
    out.push({
      weight: 1,
      arbitrary: fc.record({ accept, bad: fc.constantFrom(...BAD_SEGMENTS, 'aaaaaaaaaaaaaaaaaaaaa') }).map(({ accept, bad }) => ({
        ...base,
        accept,
        category: 'path',
        path: fill(op.path, { uid: bad }),
        ...(op.fields ? { contentType: 'application/x-www-form-urlencoded', body: '' } : {}),
      })),
    });
  }
  if (!op.live) return out;
  const path = fill(op.path, { uid });
  if (op.fields) {
    const field = fc.constantFrom(...op.fields);
    const form = fc.oneof(
      field.chain((f) => fc.constantFrom(`${f}[$ne]=`, `${f}[$gt]=`, `${f}[$regex]=.*`).map((b) => ['operator', b] as [string, string])),
      field.chain((f) => fc.constantFrom(...FORM_VALUES).map((v) => ['bad-string', `${f}=${enc(v)}`] as [string, string])),
      field.chain((f) =>
        fc
          .constantFrom(`__proto__[polluted]=1&${f}=x`, `constructor[prototype][polluted]=1`, `${f}=a&${f}=%00`)
          .map((b) => ['prototype-key', b] as [string, string]),
      ),
      fc.constantFrom('%E0%A4%A=1', '%=%', '&&&=&').map((b) => ['bad-encoding', b] as [string, string]),
    );
    out.push({
      weight: 3,
      arbitrary: fc
        .record({ accept, f: form })
        .map(({ accept, f: [category, body] }) => ({ ...base, accept, category, path, contentType: 'application/x-www-form-urlencoded', body })),
    });
    const fields = Object.fromEntries(op.fields.map((f) => [f, { type: 'string' }])) as Record<string, JsonSchema>;
    out.push({
      weight: 3,
      arbitrary: fc
        .record({ accept, b: hostileBody({ type: 'object', properties: fields }) })
        .map(({ accept, b }) => ({ ...base, accept, ...b, path })),
    });
  }
  if (op.query?.length)
    out.push({
      weight: 3,
      arbitrary: fc
        .record({ accept, q: hostileQuery(op.query) })
        .map(({ accept, q: [category, query] }) => ({ ...base, accept, category, path, query })),
    });
  return out;
}

/** Every kind of hostile request an operation can be sent, as one arbitrary (none: the operation reads no input). */
export function probesFor(op: Op, real: RealParams, uid: string): fc.Arbitrary<Probe> | undefined {
  const all = op.kind === 'api' ? apiProbes(op, real) : formProbes(op, uid);
  return all.length ? fc.oneof(...all) : undefined;
}
