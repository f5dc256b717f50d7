// Typed errors that one middleware (lib/http.ts) maps to HTTP responses. OAuth errors stay oidc-provider's.
export class HttpError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details?: unknown;
  constructor(status: number, code: string, message: string, details?: unknown) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

export class BadRequest extends HttpError {
  constructor(message: string, details?: unknown) {
    super(400, 'invalid_request', message, details);
  }
}

export class NotFound extends HttpError {
  constructor(message = 'Not found') {
    super(404, 'not_found', message);
  }
}

export class Conflict extends HttpError {
  constructor(message: string) {
    super(409, 'conflict', message);
  }
}

export class MethodNotAllowed extends HttpError {
  readonly allowed: readonly string[];
  constructor(method: string, allowed: readonly string[]) {
    super(405, 'method_not_allowed', `${method} is not a method this server answers.`);
    this.allowed = allowed;
  }
}

export class TooManyRequests extends HttpError {
  readonly retryAfterSeconds: number;
  constructor(message: string, retryAfterSeconds: number) {
    super(429, 'rate_limited', message);
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** A dependency (the database) is not answering: the request may be sent again unchanged once it is back. */
export class ServiceUnavailable extends HttpError {
  readonly retryAfterSeconds: number;
  constructor(message = 'The service is briefly unavailable. Please try again in a moment.', retryAfterSeconds = 5) {
    super(503, 'temporarily_unavailable', message);
    this.retryAfterSeconds = retryAfterSeconds;
  }
}
