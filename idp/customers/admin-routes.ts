// Admin API: finding a customer by email (`/<org>/admin/v1/customers?email=`), for staff who open a tab or book for
// someone. Served by idp/, which owns customers. An exact address only: staff cannot list or search the customer base.
import type { Context } from 'koa';
import { z } from 'zod';
import { validate } from '../../lib/http.ts';
import type { AdminRoutes } from '../admin-api.ts';
import type { IdpState } from '../interactions/routes.ts';
import { emailAddress } from '../otp/service.ts';
import { findCustomerByEmail, normaliseEmail } from './service.ts';

type Ctx = Context & { state: IdpState };

export const customerQuery = z.strictObject({ email: z.string().max(320).transform(normaliseEmail).pipe(emailAddress) });

export function customerAdminRoutes(api: AdminRoutes): void {
  api.get('/customers', async (ctx: Ctx) => {
    const { email } = validate(customerQuery, ctx.query);
    const found = await findCustomerByEmail(ctx.state.org._id, email);
    ctx.body = { items: found ? [{ id: found._id, email: found.email }] : [] };
  });
}
