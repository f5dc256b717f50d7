// Admin API: the organisation's staff (`/<org>/admin/v1/staff`). Served by idp/, which owns organisations.
import type { Context } from 'koa';
import { audit } from '../../lib/audit.ts';
import { requireRole } from '../../lib/access.ts';
import type { Principal } from '../../lib/bearer.ts';
import { adminBase } from '../../lib/first-party.ts';
import { readBody, validate } from '../../lib/http.ts';
import type { Mailer } from '../../lib/mailer.ts';
import type { IdpState } from '../interactions/routes.ts';
import { brandingOf, type IdpDeps } from '../provider/configuration.ts';
import type { AdminRoutes } from '../admin-api.ts';
import { inviteInput, inviteStaff, listStaff, removeStaff, roleInput, setStaffRole, staffEmail, staffView } from './staff.ts';

type Ctx = Context & { state: IdpState & { principal: Principal }; params: Record<string, string> };

const actorOf = (ctx: Ctx) => ({ email: ctx.state.principal.email, role: ctx.state.principal.role! });
const emailParam = (ctx: Ctx) => validate(staffEmail, ctx.params.email);

export function staffRoutes(api: AdminRoutes, { config, render, mailer, log }: IdpDeps & { mailer: Mailer }): void {
  const write = requireRole('admin');

  api.get('/staff', async (ctx: Ctx) => {
    ctx.body = { items: (await listStaff(ctx.state.org._id)).map(staffView) };
  });

  api.post('/staff', write, async (ctx: Ctx) => {
    const input = validate(inviteInput, await readBody(ctx));
    const { org } = ctx.state;
    const member = await inviteStaff(org.slug, input, actorOf(ctx));
    await audit(ctx, 'staff.invite', member.email, { after: staffView(member) });
    const data = {
      org: brandingOf(org),
      email: member.email,
      role: member.role,
      invitedBy: member.invitedBy,
      consoleUrl: adminBase(config.publicUrl, org.slug),
    };
    mailer
      .send({
        to: member.email,
        subject: `You have been added to ${org.name}`,
        text: render('emails/staff-invitation.text', data, org.slug),
        html: render('emails/staff-invitation.html', data, org.slug),
      })
      .catch((err) => log.error('staff invitation mail failed', { org: org.slug, err }));
    ctx.status = 201;
    ctx.body = staffView(member);
  });

  api.patch('/staff/:email', write, async (ctx: Ctx) => {
    const email = emailParam(ctx);
    const { role } = validate(roleInput, await readBody(ctx));
    const { before, after } = await setStaffRole(ctx.state.org.slug, email, role, actorOf(ctx));
    await audit(ctx, 'staff.role', email, { before: before && staffView(before), after: staffView(after) });
    ctx.body = staffView(after);
  });

  api.delete('/staff/:email', write, async (ctx: Ctx) => {
    const removed = await removeStaff(ctx.state.org.slug, emailParam(ctx), actorOf(ctx));
    await audit(ctx, 'staff.remove', removed.email, { before: staffView(removed) });
    ctx.status = 204;
  });
}
