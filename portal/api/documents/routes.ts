// Invoices, credit notes and receipts over HTTP: customers read their own (scope `payments`); staff read all, export
// them for the accountant, and admins refund.
import type Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import { requireRole } from '../../../lib/access.ts';
import { audit } from '../../../lib/audit.ts';
import { requireScope, type BearerState } from '../../../lib/bearer.ts';
import { readBody, validate } from '../../../lib/http.ts';
import { moneySettings } from '../payments/settings.ts';
import type { PaymentDeps } from '../payments/stripe.ts';
import type { Logger } from '../../../lib/log.ts';
import { documentsCsv } from './csv.ts';
import { createLogoFetcher } from './logo.ts';
import { printed } from './printed.ts';
import * as documents from './service.ts';

type Ctx = Context & { state: BearerState; params: Record<string, string> };
const idOf = (ctx: Ctx) => validate(documents.documentId, ctx.params.id);

/** GET /documents/:id/pdf: the customer's own (`customerOf`), or any of the organisation's for staff. */
function pdfRoute(
  router: Router,
  logos: ReturnType<typeof createLogoFetcher>,
  customerOf: (ctx: Ctx) => string | undefined,
  guard: Middleware = (_, next) => next(),
) {
  router.get('/documents/:id/pdf', guard, async (ctx: Ctx) => {
    const { pdf, filename } = await printed(ctx.state.tenant, await documents.findDocument(ctx.state.tenant.id, idOf(ctx), customerOf(ctx)), logos);
    ctx.type = 'application/pdf';
    ctx.attachment(filename);
    ctx.body = pdf;
  });
}

/** Logos for PDFs, fetched with limits; one left out is logged, never fatal. */
export const pdfLogos = (log: Logger) => createLogoFetcher({ onFailure: (url, reason) => log.warn('logo left out of a PDF', { url, reason }) });

export const documentClientRoutes = (logos: ReturnType<typeof createLogoFetcher>) => (router: Router) => {
  const read = requireScope('payments', { customer: true });
  pdfRoute(router, logos, (ctx) => ctx.state.principal.sub, read);
  router.get('/documents', read, async (ctx: Ctx) => {
    ctx.body = await documents.listDocuments(ctx.state.tenant.id, ctx.state.tenant.timeZone, {
      ...validate(documents.listQuery, ctx.query),
      customerId: ctx.state.principal.sub,
    });
  });
  router.get('/documents/:id', read, async (ctx: Ctx) => {
    ctx.body = documents.documentView(await documents.findDocument(ctx.state.tenant.id, idOf(ctx), ctx.state.principal.sub));
  });
};

export const documentAdminRoutes = (deps: PaymentDeps, logos: ReturnType<typeof createLogoFetcher>) => (router: Router) => {
  pdfRoute(router, logos, () => undefined);
  router.get('/documents', async (ctx: Ctx) => {
    ctx.body = await documents.listDocuments(ctx.state.tenant.id, ctx.state.tenant.timeZone, validate(documents.staffListQuery, ctx.query));
  });
  router.get('/documents.csv', async (ctx: Ctx) => {
    const q = validate(documents.staffListQuery.omit({ limit: true, before: true }), ctx.query);
    ctx.type = 'text/csv; charset=utf-8';
    ctx.attachment(`documents${q.year ? `-${q.year}` : ''}${q.kind ? `-${q.kind}` : ''}.csv`);
    ctx.body = await documentsCsv(ctx.state.tenant.id, q);
  });
  router.get('/documents/:id', async (ctx: Ctx) => {
    const d = await documents.findDocument(ctx.state.tenant.id, idOf(ctx));
    const refundable = await documents.refundable(ctx.state.tenant.id, d);
    ctx.body = { ...documents.documentView(d), ...(refundable === undefined ? {} : { refundable }) };
  });
  router.post('/documents/:id/refunds', requireRole('admin'), async (ctx: Ctx) => {
    const input = validate(documents.refundInput, await readBody(ctx));
    const { id: org, timeZone } = ctx.state.tenant;
    const settings = await moneySettings(deps.sealKey, org);
    const note = documents.documentView(await documents.refund(deps, { org, prefix: settings.invoicePrefix, timeZone }, idOf(ctx), input));
    ctx.status = 201;
    ctx.body = note;
    await audit(ctx, 'document.refund', note.id, {
      after: { creditNote: note.number, invoice: note.relatesTo?.number, amount: note.total, reason: input.reason },
    });
  });
};
