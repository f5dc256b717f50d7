import type Router from '@koa/router';
import type { Context } from 'koa';
import type { BearerState } from '../../../lib/bearer.ts';
import { audit } from '../../../lib/audit.ts';
import { NotFound } from '../../../lib/errors.ts';
import { readBody, validate } from '../../../lib/http.ts';
import { requireRole } from '../../../lib/access.ts';
import * as company from './service.ts';

type Ctx = Context & { state: BearerState; params: Record<string, string> };

function readRoutes(router: Router) {
  router.get('/company', async (ctx: Ctx) => {
    ctx.body = await company.getCompany(ctx.state.tenant.id, ctx.state.tenant.name);
  });
  router.get('/policies/:kind', async (ctx: Ctx) => {
    ctx.body = await company.getPolicy(ctx.state.tenant.id, validate(company.policyKind, ctx.params.kind));
  });
}

export const companyClientRoutes = readRoutes;

export function companyAdminRoutes(router: Router) {
  readRoutes(router);
  const write = requireRole('admin');
  router.put('/company', write, async (ctx: Ctx) => {
    const input = validate(company.companyInput, await readBody(ctx));
    const { id, name } = ctx.state.tenant;
    const before = await company.getCompany(id, name);
    ctx.body = await company.updateCompany(id, name, input);
    await audit(ctx, 'company.update', 'company', { before, after: ctx.body });
  });
  router.put('/policies/:kind', write, async (ctx: Ctx) => {
    const kind = validate(company.policyKind, ctx.params.kind);
    const { markdown } = validate(company.policyInput, await readBody(ctx));
    const before = await company.getPolicy(ctx.state.tenant.id, kind).then(
      (p) => p.markdown,
      (err) => {
        if (err instanceof NotFound) return ''; // nothing published yet
        throw err;
      },
    );
    const after = await company.putPolicy(ctx.state.tenant.id, kind, markdown);
    await audit(ctx, 'policy.publish', kind, { before: { markdown: before }, after: { markdown: after.markdown } });
    ctx.body = after;
  });
}
