// The one Koa process: health endpoints, the portal (APIs and app) and the identity provider.
import { randomUUID } from 'node:crypto';
import Koa from 'koa';
import mongoose from 'mongoose';
import type { Config } from '../config/index.ts';
import { createIdp } from '../idp/app.ts';
import { idpAdminPaths, idpClientPaths } from '../idp/openapi.ts';
import { createPortalApi } from '../portal/api/app.ts';
import { paymentsSealKey } from '../portal/api/payments/settings.ts';
import { createPortalWeb } from '../portal/web/server.ts';
import { createAdminWeb } from '../portal/admin/server.ts';
import { createFlowPreview } from '../portal/flows/preview.ts';
import { createFlowsWeb } from '../portal/flows/server.ts';
import { createTenants } from '../lib/tenants.ts';
import { createSecrets } from '../idp/secrets.ts';
import { clientAddressKey, trustedClientAddress } from '../lib/client-address.ts';
import { HttpError, NotFound } from '../lib/errors.ts';
import { safeEqual } from '../lib/crypto.ts';
import { countEventStreams, observeRequest, registry, watchDatabase } from '../lib/metrics.ts';
import { openEventStreams } from '../lib/sse.ts';
import { ChangeFeed } from '../lib/changes.ts';
import { EventHub } from '../lib/events.ts';
import { setApiRates } from '../lib/fair-use.ts';
import { appErrorListener, errorMiddleware, servedMethodsOnly } from '../lib/http.ts';
import { withLogFields, type Logger } from '../lib/log.ts';
import type { Mailer } from '../lib/mailer.ts';
import { createViews } from '../lib/views.ts';
import { securityHeaders } from '../lib/security-headers.ts';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

const VIEWS_DIR = fileURLToPath(new URL('../views', import.meta.url));

/** A request's id, kept from the caller (a proxy, or the portal calling its API) when it is plausible; else made. */
const REQUEST_ID = /^[A-Za-z0-9._:-]{8,64}$/;

/** Every answer says its request id (X-Request-Id), and every log line written while answering carries it. */
const requestIds: Koa.Middleware = (ctx, next) => {
  const given = ctx.get('x-request-id');
  const id = REQUEST_ID.test(given) ? given : randomUUID();
  ctx.set('X-Request-Id', id);
  return withLogFields({ requestId: id }, next);
};

const ERROR_TITLES: Record<number, string> = { 404: 'Not found', 503: 'Temporarily unavailable' };

export function createApp(config: Config, log: Logger, mailer: Mailer) {
  const render = createViews(VIEWS_DIR, join(config.varDir, 'views'));
  const secrets = createSecrets(config.masterSecret);
  setApiRates(config.apiRate);
  // One change stream per process: live event views and the caches of organisations and client registrations.
  const changes = new ChangeFeed(() => mongoose.connection.db!, log);
  watchDatabase(mongoose.connection.getClient());
  countEventStreams(openEventStreams);
  const idp = createIdp({ config, secrets, log, render, mailer, changes });

  // Behind a proxy, the client IP is the last X-Forwarded-For entry (the one our proxy added); earlier entries are
  // whatever the client sent, and per-IP limits must not trust them.
  const app = new Koa({ proxy: config.trustProxy, maxIpsCount: 1 });
  app.on('error', appErrorListener(log));
  app.use(requestIds);
  app.use(async (ctx, next) => {
    const started = performance.now();
    const path = ctx.path;
    await next();
    const ms = performance.now() - started;
    observeRequest(ctx, path, ms / 1000);
    log.debug('request', { method: ctx.method, path, status: ctx.status, ms: Math.round(ms) });
  });
  app.use(securityHeaders(config.publicUrl)); // before anything answers, errors included
  app.use(trustedClientAddress(clientAddressKey(config.masterSecret))); // before anything reads ctx.ip
  app.use(
    errorMiddleware(log, (_ctx, status, message) =>
      render('error', { title: ERROR_TITLES[status] ?? 'Something went wrong', message, retry: status === 503 }),
    ),
  );
  app.use(servedMethodsOnly);
  app.use(async (ctx, next) => {
    if (ctx.path === '/metrics' && config.metricsToken) {
      if (!safeEqual(ctx.get('authorization'), `Bearer ${config.metricsToken}`))
        throw new HttpError(401, 'unauthorized', 'GET /metrics needs Authorization: Bearer <METRICS_TOKEN>.');
      ctx.type = registry.contentType;
      ctx.body = await registry.metrics();
    } else if (ctx.path === '/healthz') {
      ctx.body = { status: 'ok' };
    } else if (ctx.path === '/readyz') {
      const up =
        mongoose.connection.readyState === 1 &&
        (await mongoose.connection
          .db!.admin()
          .ping()
          .then(
            () => true,
            () => false,
          ));
      ctx.status = up ? 200 : 503;
      ctx.body = { status: up ? 'ok' : 'unavailable', database: up ? 'up' : 'down' };
    } else {
      await next();
    }
  });
  // portal/ first: its routes are specific prefixes; every other /<org>/ path belongs to the organisation's issuer.
  const tenants = createTenants(config.publicUrl, idp.organisations.bySlug);
  const events = new EventHub(changes, log);
  const payments = { sealKey: paymentsSealKey(config.masterSecret), endpoint: config.stripeApiUrl };
  app.use(
    createPortalApi({
      internalUrl: config.internalUrl,
      tenants,
      roles: idp.roles,
      standing: idp.standing,
      customers: idp.customers,
      idpPaths: { client: idpClientPaths, admin: idpAdminPaths },
      events,
      changes,
      log,
      payments,
      flowPreview: createFlowPreview(render),
    }),
  );
  app.use(createPortalWeb({ config, tenants, render, log, changes }));
  app.use(createAdminWeb({ config, tenants, render, log, changes }));
  app.use(createFlowsWeb({ config, tenants, render, log, changes, payments }));
  app.use(idp.middleware);
  app.use(() => {
    throw new NotFound();
  });
  return { app, secrets, registry: idp.registry, render, events, changes };
}
