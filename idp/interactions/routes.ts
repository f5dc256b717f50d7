// The sign-in interaction: email -> emailed code -> (consent for third-party apps) -> back to the app.
// Every page is server-rendered from views/ and branded as the organisation's.
import type Router from '@koa/router';
import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import { z } from 'zod';
import { BadRequest, HttpError, TooManyRequests } from '../../lib/errors.ts';
import { readBody } from '../../lib/http.ts';
import type { Tenant } from '../../lib/tenants.ts';
import { MailUnavailable, type Mailer } from '../../lib/mailer.ts';
import { findCustomerByEmail, normaliseEmail, recordSignIn } from '../customers/service.ts';
import type { Organisation } from '../organisations/model.ts';
import { networkLimitsOf } from '../organisations/network-limits.ts';
import { ChallengeRequired } from '../otp/challenge.ts';
import { rememberBrowser, rememberedTag } from '../otp/devices.ts';
import { codeProblem, emailAddress, interactionHolder, issueCode, pendingEmail, typedCode, verifyCode } from '../otp/service.ts';
import { takePendingInteraction } from '../provider/adapter.ts';
import { brandingOf, type IdpDeps, type SignInResult } from '../provider/configuration.ts';
import { codeMail } from './code-mail.ts';
import { sendPage } from './page.ts';
import { describeScope } from '../provider/scopes.ts';
import { codeMails, signIns } from '../../lib/metrics.ts';

export type IdpState = { org: Organisation; provider: Provider; tenant: Tenant };
type Ctx = Context & { state: IdpState; params: Record<string, string> };

const emailForm = z.object({ email: emailAddress });
/** A solved challenge the page sends along past its network's free codes (idp/otp/challenge.ts). */
const answerForm = z.object({ challenge: z.string().max(200), solution: z.string().max(20) });
const codeForm = z.object({ code: typedCode });

function parseForm<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  const result = schema.safeParse(body);
  if (!result.success) throw new BadRequest(result.error.issues[0]?.message ?? 'Invalid input.');
  return result.data;
}

export function interactionRoutes(router: Router<IdpState>, deps: IdpDeps & { mailer: Mailer }): void {
  const { config, render, secrets, mailer, log } = deps;
  const base = (ctx: Ctx) => `/${ctx.state.org.slug}/interaction/${ctx.params.uid}`;

  const notYours = () => new BadRequest('This sign-in page does not belong to your current sign-in. Start again from the app.');

  /** The browser's interaction, read (once per request: a sign-in's code is kept on it, see idp/otp/). */
  async function details(ctx: Ctx) {
    const interaction = await ctx.state.provider.interactionDetails(ctx.req, ctx.res);
    if (interaction.uid !== ctx.params.uid) throw notYours();
    return interaction;
  }

  /** The page's interaction, checked to be the browser's by its signed cookie alone, without reading it. */
  function ownInteraction(ctx: Ctx): string {
    const { provider } = ctx.state;
    const uid = provider.createContext(ctx.req, ctx.res).cookies.get(provider.cookieName('interaction'), { signed: true });
    if (!uid || uid !== ctx.params.uid) throw notYours();
    return uid;
  }

  function page(ctx: Ctx, view: string, data: Record<string, unknown>, status = 200) {
    // A page with a challenge runs the one script that solves it (views/layout.hbs).
    sendPage(ctx, render(view, { org: brandingOf(ctx.state.org), action: base(ctx), ...data }, ctx.state.org.slug), status, Boolean(data.challenge));
  }

  /** Renders the step again with the error for people, or lets the error middleware answer JSON for API callers. */
  async function orRerender(ctx: Ctx, step: () => Promise<void>, view: string, data: () => Promise<Record<string, unknown>>) {
    try {
      await step();
    } catch (err) {
      if (!(err instanceof HttpError) || (err.status >= 500 && !(err instanceof MailUnavailable)) || ctx.accepts('json', 'html') !== 'html')
        throw err;
      if (err instanceof TooManyRequests) ctx.set('Retry-After', String(err.retryAfterSeconds));
      const said = err instanceof ChallengeRequired ? { challenge: err.challenge, checking: err.message } : { error: err.message };
      page(ctx, view, { ...(await data()), ...said }, err.status);
    }
  }

  /**
   * Same work and the same answer whether or not the address has an account (where sign-up is closed, every address
   * is looked up); the mail goes out in the background.
   */
  async function deliverCode(ctx: Ctx, interaction: string, email: string, body: Record<string, unknown>) {
    const { org } = ctx.state;
    // A browser that has signed in as the address sends from a budget of its own (idp/otp/budgets.ts); any other is
    // counted by its network, which may have to show a solved challenge.
    const device = rememberedTag(ctx, secrets.devices, org._id, email);
    const answer = answerForm.safeParse(body).data;
    const network = { limits: networkLimitsOf(org), platformPerHour: config.signInCodesPerNetwork, challengeKey: secrets.challenges, answer };
    // No code, and nothing spent, while mail cannot go: the page says so, and when to try again.
    await mailer.ready().catch((err: unknown) => {
      if (err instanceof MailUnavailable) ctx.set('Retry-After', String(err.retryAfterSeconds));
      throw err;
    });
    const [code, customer] = await Promise.all([
      issueCode(secrets.otp, interactionHolder(org._id, interaction), {
        email,
        requester: { purpose: 'sign-in', ip: ctx.ip, device, network, interaction },
      }),
      org.settings.selfSignUp ? undefined : findCustomerByEmail(org._id, email),
    ]);
    if (customer === null) return;
    mailer.send(codeMail(render, org, 'sign-in', email, code, ctx.get('user-agent'))).then(
      () => codeMails.inc({ outcome: 'sent' }),
      (err) => {
        codeMails.inc({ outcome: 'failed' });
        log.error('sign-in mail failed', { org: org.slug, err });
      },
    );
  }

  router.get('/:org/interaction/:uid', async (ctx: Ctx) => {
    const interaction = await details(ctx);
    if (interaction.prompt.name === 'consent') {
      const client = await ctx.state.provider.Client.find(String(interaction.params.client_id));
      const d = interaction.prompt.details as { missingOIDCScope?: string[]; missingResourceScopes?: Record<string, string[]> };
      const scopes = [...(d.missingOIDCScope ?? []), ...Object.values(d.missingResourceScopes ?? {}).flat()];
      return page(ctx, 'consent', {
        client: { name: client?.clientName ?? 'An application', logoUri: client?.logoUri, policyUri: client?.policyUri, tosUri: client?.tosUri },
        scopes: [...new Set(scopes)].map((s) => describeScope(s).description),
      });
    }
    const email = ctx.query.change ? undefined : pendingEmail(await interactionHolder(ctx.state.org._id, interaction.uid).read());
    if (email) return page(ctx, 'sign-in-code', { email, sent: ctx.query.sent === '1' });
    return page(ctx, 'sign-in-email', { email: interaction.params.login_hint });
  });

  router.post('/:org/interaction/:uid/email', async (ctx: Ctx) => {
    const uid = ownInteraction(ctx); // storing the code checks the interaction is live
    const body = await readBody(ctx);
    await orRerender(
      ctx,
      async () => {
        await deliverCode(ctx, uid, normaliseEmail(parseForm(emailForm, body).email), body);
        ctx.status = 303;
        ctx.redirect(base(ctx));
      },
      'sign-in-email',
      async () => ({ email: typeof body.email === 'string' ? body.email : '' }),
    );
  });

  router.post('/:org/interaction/:uid/resend', async (ctx: Ctx) => {
    const interaction = await details(ctx);
    const email = pendingEmail(await interactionHolder(ctx.state.org._id, interaction.uid).read());
    if (!email) return ctx.redirect(base(ctx));
    const body = await readBody(ctx);
    await orRerender(
      ctx,
      async () => {
        await deliverCode(ctx, interaction.uid, email, body);
        ctx.status = 303;
        ctx.redirect(`${base(ctx)}?sent=1`);
      },
      'sign-in-code',
      async () => ({ email }),
    );
  });

  router.post('/:org/interaction/:uid/code', async (ctx: Ctx) => {
    const interaction = await details(ctx);
    const { org } = ctx.state;
    const holder = interactionHolder(org._id, interaction.uid);
    const state = await holder.read();
    const email = pendingEmail(state);
    if (!email) return ctx.redirect(base(ctx));
    const body = await readBody(ctx);
    await orRerender(
      ctx,
      async () => {
        const { code } = parseForm(codeForm, body);
        // With a right code: the account, then the interaction's result, written with the code's use in one write.
        const result = await verifyCode(secrets.otp, holder, state, email, code, async () => {
          const account = await recordSignIn(org._id, email, org.settings.selfSignUp);
          if (!account) throw new BadRequest('That code is not right.');
          signIns.inc();
          const signedIn: SignInResult = {
            login: { accountId: account.id, amr: ['otp'] },
            ...(account.created ? { newAccount: true as const } : {}),
          };
          interaction.result = signedIn;
          await interaction.save(interaction.exp - Math.floor(Date.now() / 1000));
          return takePendingInteraction(org._id, interaction.uid);
        });
        if (!result.ok) throw new BadRequest(codeProblem(result, 'Start the sign-in again from the app.'));
        rememberBrowser(ctx, secrets.devices, org, email);
        ctx.status = 303;
        ctx.redirect(interaction.returnTo);
      },
      'sign-in-code',
      async () => ({ email }),
    );
  });

  router.post('/:org/interaction/:uid/consent', async (ctx: Ctx) => {
    const interaction = await details(ctx);
    const { provider } = ctx.state;
    if (interaction.prompt.name !== 'consent') throw new BadRequest('There is nothing to consent to in this sign-in.');
    const d = interaction.prompt.details as {
      missingOIDCScope?: string[];
      missingOIDCClaims?: string[];
      missingResourceScopes?: Record<string, string[]>;
    };
    // The grant may have been revoked while the consent screen was open: then this consent starts a new one.
    const grant =
      (interaction.grantId && (await provider.Grant.find(interaction.grantId))) ||
      new provider.Grant({ accountId: interaction.session!.accountId, clientId: String(interaction.params.client_id) });
    if (d.missingOIDCScope) grant.addOIDCScope(d.missingOIDCScope.join(' '));
    if (d.missingOIDCClaims) grant.addOIDCClaims(d.missingOIDCClaims);
    for (const [indicator, scopes] of Object.entries(d.missingResourceScopes ?? {})) grant.addResourceScope(indicator, scopes.join(' '));
    const grantId = await grant.save();
    const to = await provider.interactionResult(ctx.req, ctx.res, { consent: { grantId } }, { mergeWithLastSubmission: true });
    ctx.status = 303;
    ctx.redirect(to);
  });

  router.post('/:org/interaction/:uid/abort', async (ctx: Ctx) => {
    await details(ctx);
    const to = await ctx.state.provider.interactionResult(
      ctx.req,
      ctx.res,
      { error: 'access_denied', error_description: 'The customer cancelled the sign-in.' },
      { mergeWithLastSubmission: false },
    );
    ctx.status = 303;
    ctx.redirect(to);
  });
}
