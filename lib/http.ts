// Koa plumbing shared by every router: the one error middleware, body reading and schema validation.
import type { Context, Middleware } from 'koa';
import type { z } from 'zod';
import { BadRequest, HttpError, MethodNotAllowed, ServiceUnavailable, TooManyRequests } from './errors.ts';
import type { Logger } from './log.ts';
import { unavailableAnswer } from './unavailable.ts';

export type ErrorPage = (ctx: Context, status: number, message: string) => string;

/** Error codes that only say a connection was closed or reset: a request body cut short, an answer not taken. */
const GONE = new Set(['ECONNRESET', 'ECONNABORTED', 'EPIPE', 'ERR_STREAM_PREMATURE_CLOSE', 'ERR_STREAM_DESTROYED', 'HPE_INVALID_EOF_STATE']);

/**
 * Whether `err` only says the client went away: an error of that kind (or a call of ours cancelled for it, as the
 * portal's API proxy cancels its call) while the client's connection is closed. Routine for any server: worth a
 * debug line, not an error.
 */
export function clientWentAway(err: unknown, ctx?: Context): boolean {
  const { code, name } = (err ?? {}) as { code?: unknown; name?: unknown };
  return (GONE.has(String(code)) || name === 'AbortError') && (ctx?.req.socket?.destroyed ?? true);
}

function logGone(log: Logger, err: unknown, ctx?: Context): void {
  const { code, name } = err as { code?: string; name?: string };
  log.debug('client went away', { method: ctx?.method, path: ctx?.path, reason: code ?? name });
}

/**
 * The 'error' listener of a Koa app (ours, and each organisation's oidc-provider, a Koa app of its own): errors once
 * the answer has started or from the connection itself, which no middleware sees.
 */
export function appErrorListener(log: Logger) {
  return (err: Error, ctx?: Context): void => {
    if (clientWentAway(err, ctx)) logGone(log, err, ctx);
    else log.error('response failed', { err, method: ctx?.method, path: ctx?.path });
  };
}

/**
 * Maps typed errors to a JSON error (or a friendly page for browsers); a database that is not answering is a 503 with
 * Retry-After (lib/unavailable.ts); anything else unexpected is logged and becomes a plain 500.
 */
export function errorMiddleware(log: Logger, page?: ErrorPage): Middleware {
  return async (ctx, next) => {
    try {
      await next();
    } catch (thrown) {
      if (clientWentAway(thrown, ctx)) {
        logGone(log, thrown, ctx);
        ctx.status = 400; // the request never arrived whole, or its answer has no one to go to: nothing is sent
        return;
      }
      const unavailable = unavailableAnswer(thrown);
      if (unavailable) log.warn('database unavailable', { err: thrown, method: ctx.method, path: ctx.path });
      const err = unavailable ?? thrown;
      const known = err instanceof HttpError;
      const exposed = !known && typeof (err as { status?: unknown }).status === 'number' && (err as { expose?: boolean }).expose;
      const status = known ? err.status : exposed ? (err as { status: number }).status : 500;
      const code = known ? err.code : status === 500 ? 'server_error' : 'invalid_request';
      // oidc-provider errors carry the human text in error_description and the code in message.
      const described = (err as { error_description?: string }).error_description;
      const message = known ? err.message : exposed ? (described ?? (err as Error).message) : 'Something went wrong on our side.';
      if (status >= 500 && !unavailable) log.error('request failed', { err, method: ctx.method, path: ctx.path });
      if (err instanceof TooManyRequests || err instanceof ServiceUnavailable) ctx.set('Retry-After', String(err.retryAfterSeconds));
      if (err instanceof MethodNotAllowed) ctx.set('Allow', err.allowed.join(', '));
      ctx.status = status;
      if (page && ctx.accepts('json', 'html') === 'html') {
        ctx.type = 'html';
        ctx.body = page(ctx, status, message);
      } else {
        ctx.body = { error: code, error_description: message, ...(known && err.details ? { details: err.details } : {}) };
      }
    }
  };
}

/** Every method some part of the app answers (OPTIONS: oidc-provider's CORS preflights). */
export const SERVED_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

/**
 * Answers any other method (TRACE, PROPFIND...) with a 405 before a handler sees it: routes written for these methods
 * would otherwise pass it on (the BFF's API proxy handed TRACE to fetch, which refuses it: a 500) or answer 404.
 */
export const servedMethodsOnly: Middleware = (ctx, next) => {
  if (!(SERVED_METHODS as readonly string[]).includes(ctx.method)) throw new MethodNotAllowed(ctx.method, SERVED_METHODS);
  return next();
};

const BODY_LIMIT = 64 * 1024;

/**
 * The request body as text, 64 KiB at most. Past that the rest is not read: leaving the loop destroys the request,
 * and with it the connection, so the answer says `Connection: close` (else the client reuses the dead connection
 * for its next request, which fails with ECONNRESET without reaching us).
 */
export async function readRawBody(ctx: Context): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req) {
    size += (chunk as Buffer).length;
    if (size > BODY_LIMIT) {
      ctx.set('Connection', 'close');
      throw new HttpError(413, 'payload_too_large', 'Request body is too large.');
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Reads a urlencoded or JSON body (64 KiB at most). Urlencoded values stay flat strings: `email[$ne]=` is just an unknown key. */
export async function readBody(ctx: Context): Promise<Record<string, unknown>> {
  const raw = await readRawBody(ctx);
  if (!raw) return {};
  if (ctx.is('application/x-www-form-urlencoded')) return Object.fromEntries(new URLSearchParams(raw));
  if (ctx.is('application/json')) {
    try {
      const value: unknown = JSON.parse(raw);
      if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
    } catch {
      // fall through to the same error as a non-object body
    }
    throw new BadRequest('Request body must be a JSON object.');
  }
  throw new HttpError(415, 'unsupported_media_type', 'Send application/x-www-form-urlencoded or application/json.');
}

/**
 * The top-level field (or '' for the input itself) of the first string or key holding a NUL character, if any. No
 * field of ours takes one, and what we hand text to (PDFs, mail headers, CSV readers) may cut it there. Iterative:
 * a body may nest thousands deep.
 */
function nulIn(input: unknown): string | undefined {
  const todo: [unknown, string][] = [[input, '']];
  while (todo.length) {
    const [value, field] = todo.pop()!;
    if (typeof value === 'string') {
      if (value.includes('\u0000')) return field;
    } else if (value && typeof value === 'object') {
      for (const [key, inner] of Object.entries(value)) {
        if (key.includes('\u0000')) return field || key;
        todo.push([inner, field || key]);
      }
    }
  }
  return undefined;
}

/** The one place a route turns untrusted input into typed data. */
export function validate<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
  const nul = nulIn(input);
  if (nul !== undefined)
    throw new BadRequest(`${nul ? `${nul}: ` : ''}must not contain NUL characters`, [{ field: nul, message: 'must not contain NUL characters' }]);
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const details = result.error.issues.flatMap((i) =>
    i.code === 'unrecognized_keys'
      ? i.keys.map((key) => ({ field: [...i.path, key].join('.'), message: 'is not a field this accepts' }))
      : [{ field: i.path.join('.'), message: i.message }],
  );
  throw new BadRequest(details.map((d) => (d.field ? `${d.field}: ${d.message}` : d.message)).join('; '), details);
}
