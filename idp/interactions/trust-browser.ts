// The operator's way in for someone whose address strangers keep locked (`portico sign-in trust-browser`): a
// one-time link that, confirmed in their own browser, makes it remembered for the address, with a budget of codes of
// its own (idp/otp/budgets.ts). It signs nobody in: that browser still signs in with a code mailed to the address.
import type Router from '@koa/router';
import type { Context } from 'koa';
import { readBody } from '../../lib/http.ts';
import { deviceLinkEmail, rememberBrowser, useDeviceLink } from '../otp/devices.ts';
import { brandingOf, type IdpDeps } from '../provider/configuration.ts';
import { sendPage } from './page.ts';
import type { IdpState } from './routes.ts';

type Ctx = Context & { state: IdpState };

/** Registered before the sign-in pages, whose `/:org/interaction/:uid` would take this path too. */
export function trustBrowserRoutes(router: Router<IdpState>, { render, secrets }: IdpDeps): void {
  const path = '/:org/interaction/trust-browser';
  const show = (ctx: Ctx, data: Record<string, unknown>, status = 200) =>
    sendPage(
      ctx,
      render('trust-browser', { title: 'Remember this browser', org: brandingOf(ctx.state.org), action: ctx.path, ...data }, ctx.state.org.slug),
      status,
    );

  // Opening the link only asks: link previews (chat apps fetch what is pasted) must not use it.
  router.get(path, async (ctx: Ctx) => {
    const email = await deviceLinkEmail(secrets.devices, ctx.state.org._id, ctx.query.token);
    show(ctx, email ? { email, token: ctx.query.token } : { gone: true }, email ? 200 : 400);
  });

  router.post(path, async (ctx: Ctx) => {
    const { token } = await readBody(ctx);
    const email = await useDeviceLink(secrets.devices, ctx.state.org._id, token);
    if (email) rememberBrowser(ctx, secrets.devices, ctx.state.org, email);
    show(ctx, email ? { email, done: true } : { gone: true }, email ? 200 : 400);
  });
}
