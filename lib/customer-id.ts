// A customer's id as the identity provider makes them (`c_` and 22 characters; idp/customers/service.ts). Where an
// API takes one as a filter or in a path, anything else is refused with a 400, not answered with an empty list as
// if `constructor` or `x%0D%0Ay` were someone without cards or invoices.
import { z } from 'zod';

export const customerId = z.string().regex(/^c_[A-Za-z0-9_-]{10,40}$/, 'is not a customer id');
