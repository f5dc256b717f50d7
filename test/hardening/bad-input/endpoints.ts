// What the bad-input suite aims at: every operation of the Client API and the Admin API, read from the OpenAPI
// documents the server publishes (so a new route is covered without editing the suite), and the sign-in pages'
// forms, which no API document describes.

export type JsonSchema = {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  enum?: unknown[];
  const?: unknown;
  format?: string;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minLength?: number;
  maxLength?: number;
  maxItems?: number;
  additionalProperties?: boolean | JsonSchema;
};

export type Param = { name: string; in: 'path' | 'query'; schema?: JsonSchema; required?: boolean };

/** One operation of a JSON API. */
export type ApiOp = {
  kind: 'api';
  api: 'client' | 'admin';
  method: string;
  /** The OpenAPI path, e.g. `/tabs/{id}/lines`. */
  path: string;
  pathParams: Param[];
  query: Param[];
  /** The request body's JSON schema, when the operation reads one. */
  body?: JsonSchema;
};

/** A form of the sign-in pages (idp/interactions), answered with pages for browsers, or another endpoint outside the API documents. */
export type FormOp = {
  kind: 'form';
  method: string;
  /** Relative to the issuer; `{uid}` is the live sign-in's interaction. */
  path: string;
  /** The form's fields, when it reads a body. */
  fields?: string[];
  /** Query parameters the page reads. */
  query?: string[];
  /** Whether the live interaction may be used: a form that acts on it without a body (resend, consent, abort) would change it. */
  live: boolean;
};

export type Op = ApiOp | FormOp;

export const opName = (op: Op) =>
  op.kind === 'api' ? `${op.method} ${op.api === 'client' ? '/api/v1' : '/admin/v1'}${op.path}` : `${op.method} ${op.path}`;

type Document = {
  paths: Record<string, Record<string, { parameters?: Param[]; requestBody?: { content?: Record<string, { schema?: JsonSchema }> } }>>;
};

/** Every operation of the published OpenAPI document of an API. */
export async function apiOps(issuer: string, api: 'client' | 'admin'): Promise<ApiOp[]> {
  const res = await fetch(`${issuer}/${api === 'client' ? 'api' : 'admin'}/v1/openapi.json`);
  if (!res.ok) throw new Error(`no OpenAPI document for the ${api} API: ${res.status}`);
  const doc = (await res.json()) as Document;
  return Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.entries(ops).map(([method, op]) => ({
      kind: 'api' as const,
      api,
      method: method.toUpperCase(),
      path,
      pathParams: (op.parameters ?? []).filter((p) => p.in === 'path'),
      query: (op.parameters ?? []).filter((p) => p.in === 'query'),
      body: op.requestBody?.content?.['application/json']?.schema,
    })),
  );
}

/**
 * The sign-in pages' forms and pages (idp/interactions/routes.ts, trust-browser.ts), a flow's step (portal/flows), and the other endpoints that
 * take a body from outside without an API document: the token endpoint (a form, oidc-provider's) and Stripe's
 * webhook (JSON, refused unsigned).
 */
export const formOps: FormOp[] = [
  { kind: 'form', method: 'GET', path: '/interaction/{uid}', query: ['change', 'sent'], live: false },
  { kind: 'form', method: 'POST', path: '/interaction/{uid}/email', fields: ['email'], live: true },
  { kind: 'form', method: 'POST', path: '/interaction/{uid}/code', fields: ['code'], live: true },
  { kind: 'form', method: 'POST', path: '/interaction/{uid}/resend', live: false },
  { kind: 'form', method: 'POST', path: '/interaction/{uid}/consent', live: false },
  { kind: 'form', method: 'POST', path: '/interaction/{uid}/abort', live: false },
  { kind: 'form', method: 'GET', path: '/interaction/trust-browser', query: ['token'], live: true },
  { kind: 'form', method: 'POST', path: '/interaction/trust-browser', fields: ['token'], live: true },
  {
    kind: 'form',
    method: 'POST',
    path: '/token',
    fields: ['grant_type', 'code', 'refresh_token', 'client_id', 'redirect_uri', 'code_verifier'],
    live: true,
  },
  { kind: 'form', method: 'POST', path: '/stripe/webhook', fields: ['id', 'type', 'data'], live: true },
  // A flow's step, as the sign-in browser's anonymous run has it open (bad-input/world.ts): a date and a choice.
  { kind: 'form', method: 'POST', path: '/flows/intake/steps/0', fields: ['born', 'pressure'], live: true },
];
