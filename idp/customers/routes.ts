// The Client API's profile resource (`/<org>/api/v1/profile`). It is part of the Client API contract (see
// portal/api/openapi.ts) but served here, by the owner of the customer record: the portal stays a pure relying party.
import type Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import { bearerAuth, requireScope, type Principal, type TokenStanding } from '../../lib/bearer.ts';
import { BadRequest, Conflict } from '../../lib/errors.ts';
import { readBody, validate } from '../../lib/http.ts';
import type { Mailer } from '../../lib/mailer.ts';
import { apiResource } from '../../lib/resources.ts';
import { isDuplicateKey } from '../../lib/db.ts';
import type { IdpState } from '../interactions/routes.ts';
import { codeMail } from '../interactions/code-mail.ts';
import { codeProblem, emailAddress, emailChangeHolder, issueCode, pendingEmail, typedCode, verifyCode } from '../otp/service.ts';
import type { IdpDeps } from '../provider/configuration.ts';
import { CustomerModel } from './model.ts';
import { profileOf, profileUpdate, readProfile, updateProfile } from './profile.ts';
import { normaliseEmail } from './service.ts';

type Ctx = Context & { state: IdpState & { principal: Principal } };

const emailChange = z.strictObject({ email: emailAddress.transform(normaliseEmail) });
const codeInput = z.strictObject({ code: typedCode });

export function profileRoutes(router: Router<IdpState>, deps: IdpDeps & { mailer: Mailer }, standing: TokenStanding): void {
  const { config, secrets, mailer, render, log } = deps;
  const path = '/:org/api/v1/profile';
  const auth = bearerAuth(config.internalUrl, (t) => apiResource(t.issuer), standing);
  const read = [auth, requireScope('profile', { customer: true })];
  const write = [auth, requireScope('profile:write', { customer: true })];
  /** An email change is a one-time-code exchange bound to the customer, under the sign-in codes' rules. */
  const holder = (ctx: Ctx) => emailChangeHolder(ctx.state.org._id, ctx.state.principal.sub);

  router.get(path, ...read, async (ctx: Ctx) => {
    ctx.body = profileOf(await readProfile(ctx.state.org._id, ctx.state.principal.sub));
  });

  router.patch(path, ...write, async (ctx: Ctx) => {
    const update = validate(profileUpdate, await readBody(ctx));
    ctx.body = profileOf(await updateProfile(ctx.state.org._id, ctx.state.principal.sub, update));
  });

  router.post(`${path}/email-change`, ...write, async (ctx: Ctx) => {
    const { email } = validate(emailChange, await readBody(ctx));
    const current = await readProfile(ctx.state.org._id, ctx.state.principal.sub);
    if (current.email === email)
      throw new BadRequest('email: this is already your email address', [{ field: 'email', message: 'this is already your email address' }]);
    // Counted against this customer first (idp/otp/budgets.ts); ctx.ip is the customer's, also via the portal's server.
    const requester = { purpose: 'email-change', ip: ctx.ip, customer: ctx.state.principal.sub } as const;
    await mailer.ready(); // no code, and nothing spent, while mail cannot go (a 503 that says so)
    const code = await issueCode(secrets.otp, holder(ctx), { email, requester });
    mailer
      .send(codeMail(render, ctx.state.org, 'email-change', email, code, ctx.get('user-agent')))
      .catch((err) => log.error('email-change mail failed', { org: ctx.state.org.slug, err }));
    ctx.status = 202;
    ctx.body = { sentTo: email };
  });

  router.post(`${path}/email-change/verify`, ...write, async (ctx: Ctx) => {
    const { code } = validate(codeInput, await readBody(ctx));
    const org = ctx.state.org._id;
    const codeHolder = holder(ctx);
    const state = await codeHolder.read();
    const email = pendingEmail(state);
    if (!email) throw new BadRequest('Ask for a code for your new address first.');
    const result = await verifyCode(secrets.otp, codeHolder, state, email, code);
    if (!result.ok) throw new BadRequest(codeProblem(result, 'Ask for a new code.'));
    // The unique (org, email) index decides between two accounts racing for one address.
    try {
      await CustomerModel.updateOne({ org, _id: ctx.state.principal.sub }, { $set: { email, emailVerified: true } });
    } catch (err) {
      if (isDuplicateKey(err)) throw new Conflict('Another account already uses this email address.');
      throw err;
    }
    ctx.body = profileOf(await readProfile(org, ctx.state.principal.sub));
  });
}
