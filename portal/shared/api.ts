// Shared by the browser apps: their API, called through their server (BFF) with the session cookie. Writes carry the
// CSRF header the server requires; a 401 sends the browser to sign in and back.

/** The app's words for failures the server did not describe. */
export type ApiMessages = { network: string; generic: string; notFound: string; signIn: string };

export type FieldError = { field: string; message: string };

const isFieldError = (d: unknown): d is FieldError => typeof d === 'object' && d !== null && typeof (d as FieldError).field === 'string';

export class ApiError extends Error {
  status: number;
  code: string;
  description: string;
  details: FieldError[];
  constructor(status: number, description: string, details: FieldError[] = [], code = '') {
    super(description);
    this.status = status;
    this.code = code;
    this.description = description;
    this.details = details;
  }
}

let base = '';
let loginUrl = '';
let t: { errors: ApiMessages } = { errors: { network: 'Network error', generic: 'Error', notFound: 'Not found', signIn: 'Sign in again' } };

export function configureApi(bff: string, login: string, messages: ApiMessages): void {
  base = `${bff.replace(/\/+$/, '')}/api/`;
  loginUrl = login;
  t = { errors: messages };
}

/** The address of an API resource for the browser itself to open, e.g. a download link (a PDF, a CSV). */
export const apiHref = (path: string): string => base + path;

let goingAway = false;
/**
 * The page is going away on purpose (signing out): a 401 meanwhile, e.g. a refetch after the event stream closed
 * with the session, must not send the browser to sign in, which would cancel the sign-out's own navigation.
 */
export function signingOut(): void {
  goingAway = true;
}

export function toLogin(): void {
  if (goingAway) return;
  location.assign(`${loginUrl}?return=${encodeURIComponent(location.pathname + location.hash)}`);
}

export async function api<T>(path: string, method = 'GET', body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (method !== 'GET') {
    headers['content-type'] = 'application/json';
    headers['x-portico-csrf'] = '1';
  }
  let res: Response;
  try {
    res = await fetch(base + path, {
      method,
      headers,
      credentials: 'same-origin',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, t.errors.network);
  }
  if (res.status === 401) {
    toLogin();
    throw new ApiError(401, t.errors.signIn);
  }
  let data: unknown = null;
  if (res.status !== 204) {
    try {
      data = await res.json();
    } catch {
      data = null;
    }
  }
  if (!res.ok) {
    const problem = (data ?? {}) as { error?: unknown; error_description?: unknown; details?: unknown };
    throw new ApiError(
      res.status,
      (typeof problem.error_description === 'string' && problem.error_description) || (res.status === 404 ? t.errors.notFound : t.errors.generic),
      Array.isArray(problem.details) ? problem.details.filter(isFieldError) : [],
      typeof problem.error === 'string' ? problem.error : '',
    );
  }
  return data as T;
}

export const asApiError = (err: unknown): ApiError => (err instanceof ApiError ? err : new ApiError(0, t.errors.generic));
