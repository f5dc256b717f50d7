// Building blocks for the OpenAPI 3.1 descriptions of the Client API and the Admin API. Request bodies are generated
// from the zod schemas the routes validate with, so a description cannot drift from what is accepted. idp/ and
// portal/ each describe the paths they serve; the server joins them into one document per API.
import { z } from 'zod';

export type Paths = Record<string, object>;

export const body = (schema: z.ZodType) => ({
  required: true,
  content: { 'application/json': { schema: z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) } },
});
const error = { description: 'Error', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } };
const errors = { 400: error, 401: error, 403: error, 404: error, 409: error };
export const ok = (description: string, status = 200) => ({ [status]: { description }, ...errors });
export const op = (summary: string, extra: object = {}, responses: object = ok(summary)) => ({ summary, responses, ...extra });
/** A zod object's fields as query parameters (strings on the wire; the route's schema coerces them). */
export const query = (schema: { shape: Record<string, unknown> }, descriptions: Record<string, string> = {}) =>
  Object.keys(schema.shape).map((name) => ({
    name,
    in: 'query',
    schema: { type: 'string' },
    ...(descriptions[name] ? { description: descriptions[name] } : {}),
  }));
export const pathParam = (name: string, schema: object = { type: 'string' }) => ({ name, in: 'path', required: true, schema });

export function document(title: string, server: string, description: string, paths: Paths) {
  return {
    openapi: '3.1.0',
    info: { title, version: '1.0.0', description },
    servers: [{ url: server }],
    security: [{ bearer: [] }],
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT (RFC 9068) from the organisation issuer' } },
      schemas: {
        Error: {
          type: 'object',
          required: ['error', 'error_description'],
          properties: {
            error: { type: 'string' },
            error_description: { type: 'string' },
            details: { type: 'array', items: { type: 'object', properties: { field: { type: 'string' }, message: { type: 'string' } } } },
          },
        },
      },
    },
    paths: Object.fromEntries(Object.entries(paths).sort(([a], [b]) => a.localeCompare(b))),
  };
}
