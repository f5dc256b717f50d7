// Customer Flows' server: a first-party relying party of its own (client `portico-flows`, its own session, taking part
// in back-channel logout) built on the shared app server (portal/bff), serving each flow's steps at
// /<org>/flows/<flow> as server-rendered forms that work without JavaScript. Someone signed in to the portal passes
// its sign-in step without a code: the identity provider's session answers the authorization request at once.
import type { Context, Middleware } from 'koa';
import { randomId } from '../../lib/crypto.ts';
import { flowsBase, flowsClient, portalBase } from '../../lib/first-party.ts';
import { HttpError } from '../../lib/errors.ts';
import { readRawBody, validate } from '../../lib/http.ts';
import { apiResource } from '../../lib/resources.ts';
import { pageNonce } from '../../lib/security-headers.ts';
import { flowSlug } from '../api/flows/service.ts';
import * as runner from '../api/flows/runner.ts';
import type { PaymentDeps } from '../api/payments/stripe.ts';
import { createBff, type BffCtx, type BffDeps } from '../bff/bff.ts';
import { brandOf, stepPage } from './pages.ts';
import { findBooking } from '../api/bookings/service.ts';
import { toDecimal } from '../api/money/amounts.ts';

/** The anonymous run's cookie: who someone is in a flow before they sign in. */
const ANONYMOUS_COOKIE = 'portico_flows_run';
const ANONYMOUS_ID = /^[A-Za-z0-9_-]{22}$/;
const YEAR_MS = 365 * 24 * 3_600_000;

/** A urlencoded form, keeping every value of a repeated field (a checkbox question's ticked options). */
async function formOf(ctx: Context): Promise<Record<string, string | string[]>> {
  if (!ctx.is('application/x-www-form-urlencoded')) throw new HttpError(415, 'unsupported_media_type', 'Send the step as a form.');
  const fields: Record<string, string | string[]> = {};
  for (const [key, value] of new URLSearchParams(await readRawBody(ctx))) {
    if (value.includes('\u0000')) throw new HttpError(400, 'invalid_request', `${key}: must not contain NUL characters`);
    const had = Object.hasOwn(fields, key) ? fields[key] : undefined;
    fields[key] = had === undefined ? value : [...(Array.isArray(had) ? had : [had]), value];
  }
  return fields;
}

export function createFlowsWeb(deps: BffDeps & { payments: PaymentDeps }): Middleware {
  const { router, middleware, session, checkSameOrigin, basePath } = createBff(deps, {
    name: 'flows',
    dir: 'portal/flows',
    client: flowsClient,
    base: flowsBase,
    scope: 'openid email profile',
    resource: apiResource,
    apiRoot: (slug) => `/${slug}/api/v1/`,
  });

  /**
   * Who is going through the flow: the signed-in customer (taking over the run they began anonymously), or the
   * anonymous cookie's holder (given one on their first visit).
   */
  async function whoIs(ctx: BffCtx, slug: string) {
    const org = ctx.state.tenant.id;
    const s = await session(ctx);
    const anonymous = ctx.cookies.get(ANONYMOUS_COOKIE);
    const known = anonymous && ANONYMOUS_ID.test(anonymous) ? anonymous : undefined;
    if (s) {
      const owner = runner.customerOwner(s.customer.sub);
      if (known) await runner.adoptRun(org, slug, runner.anonymousOwner(known), owner);
      return { owner, customer: s.customer };
    }
    const id = known ?? randomId(16);
    if (!known)
      ctx.cookies.set(ANONYMOUS_COOKIE, id, {
        httpOnly: true,
        sameSite: 'lax',
        secure: ctx.secure,
        path: basePath(ctx.state.tenant),
        maxAge: YEAR_MS,
      });
    return { owner: runner.anonymousOwner(id), customer: undefined };
  }

  async function render(
    ctx: BffCtx,
    run: runner.Run,
    index: number,
    customer: { email: string } | undefined,
    errors: runner.StepInvalid | undefined,
    form?: unknown,
  ) {
    const t = ctx.state.tenant;
    const flowPath = `${basePath(t)}/${run.flow.slug}`;
    const page = await stepPage(t.id, run, index, {
      flowPath,
      loginUrl: `${basePath(t)}/login`,
      logoutUrl: `${basePath(t)}/logout`,
      customer,
      errors,
      form,
    });
    ctx.status = errors ? errors.status : 200;
    ctx.type = 'html';
    ctx.body = deps.render('flow-step', { ...page, org: await brandOf(t, run.version.portal), nonce: pageNonce() }, t.slug);
  }

  const slugOf = (ctx: BffCtx) => validate(flowSlug, ctx.params.flow);
  const here = (ctx: BffCtx, slug: string) => `${basePath(ctx.state.tenant)}/${slug}`;

  // Flows have no index of their own (a business links to each): signing in again after signing out lands here.
  router.get('/', (ctx: BffCtx) => {
    ctx.redirect(new URL(portalBase(deps.config.publicUrl, ctx.state.tenant.slug)).pathname);
  });

  router.get('/:flow', async (ctx: BffCtx) => {
    const org = ctx.state.tenant.id;
    const slug = slugOf(ctx);
    const who = await whoIs(ctx, slug);
    const run = await runner.openRun(org, slug, who.owner);
    const asked = ctx.query.step === undefined ? run.progress.step : Number(ctx.query.step);
    const index = Number.isInteger(asked) && asked >= 0 && asked <= run.progress.step ? asked : run.progress.step;
    // A signed-in customer's sign-in step is already answered: record it and go on.
    if (run.steps[index]?.kind === 'sign-in' && who.customer && index === run.progress.step) {
      await runner.answerStep(org, run, index, {}, who.customer);
      ctx.status = 303;
      return ctx.redirect(here(ctx, slug));
    }
    await render(ctx, run, index, who.customer, undefined);
  });

  router.post('/:flow/steps/:index', async (ctx: BffCtx) => {
    checkSameOrigin(ctx, false);
    const org = ctx.state.tenant.id;
    const slug = slugOf(ctx);
    const index = Number(ctx.params.index);
    const who = await whoIs(ctx, slug);
    // The flow, the caller's run and its step first: a step they cannot take is refused whatever its body.
    const run = await runner.openRun(org, slug, who.owner, false);
    if (!Number.isInteger(index) || !run.steps[index] || index > run.progress.step)
      throw new HttpError(404, 'not_found', 'That step is not open yet.');
    const form = await formOf(ctx);
    try {
      if (run.steps[index].kind === 'confirmation') {
        if (!who.customer) return ctx.redirect(`${basePath(ctx.state.tenant)}/login?return=${encodeURIComponent(here(ctx, slug))}`);
        const { form: sent } = await runner.confirmRun(deps.payments, org, run, who.customer);
        ctx.status = 303;
        return ctx.redirect(`${here(ctx, slug)}/done/${sent.id}`);
      }
      await runner.answerStep(org, run, index, form, who.customer);
    } catch (err) {
      if (err instanceof runner.StepInvalid) return render(ctx, run, index, who.customer, err, form);
      // The time was taken meanwhile (409 slot_taken, 422 slot_not_offered): choose another.
      if (err instanceof HttpError && (err.code === 'slot_taken' || err.code === 'slot_not_offered')) {
        const again = await runner.openRun(org, slug, who.owner, false);
        return render(ctx, again, again.progress.step, who.customer, new runner.StepInvalid([{ field: 'start', message: err.message }]));
      }
      throw err;
    }
    ctx.status = 303;
    ctx.redirect(here(ctx, slug));
  });

  router.get('/:flow/done/:form', async (ctx: BffCtx) => {
    const slug = slugOf(ctx);
    const who = await whoIs(ctx, slug);
    const { flow, form } = await runner.finishedForm(ctx.state.tenant.id, slug, who.owner, String(ctx.params.form));
    const booking = form.bookingId && who.customer ? await bookingMoney(ctx.state.tenant.id, form.bookingId, who.customer.sub) : undefined;
    ctx.type = 'html';
    ctx.body = deps.render(
      'flow-done',
      {
        title: flow.title,
        flowTitle: form.title,
        bookingId: form.bookingId,
        ...booking,
        // Paying is the portal's (the same sign-in: no code), on the booking's own payment page.
        ...(booking?.due
          ? { payUrl: `${portalBase(deps.config.publicUrl, ctx.state.tenant.slug)}${flow.portal ? `/${flow.portal}` : ''}#/pay/${form.bookingId}` }
          : {}),
        again: here(ctx, slug),
        org: await brandOf(ctx.state.tenant, flow.portal),
      },
      ctx.state.tenant.slug,
    );
  });

  return middleware;
}

/** What the booking a flow made asks of the customer's money: a payment due (and by when), or a credit it used. */
async function bookingMoney(org: string, bookingId: string, customerId: string) {
  const b = await findBooking(org, bookingId, { kind: 'customer', customerId }).catch(() => undefined);
  if (b?.credit) return { credit: b.credit.name };
  const p = b?.payment;
  if (p?.mode !== 'prepay' || p.status !== 'due') return undefined;
  const due = new Intl.NumberFormat('en-GB', { style: 'currency', currency: p.currency }).format(Number(toDecimal(p.amount, p.currency)));
  return { due, dueMinutes: p.dueBy ? Math.max(1, Math.round((new Date(p.dueBy).getTime() - Date.now()) / 60_000)) : undefined };
}
