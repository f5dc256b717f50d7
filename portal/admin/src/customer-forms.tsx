// A link to a customer's sent forms (Customer Flows' Forms view, `flows/customer/<id>`), set beside wherever the
// console names a customer: a booking's row, a tab at the point of sale, an invoice. In the main chunk, so the pages
// that show it need not load the flows pages or the money pages' words.
import { href } from './router.ts';
import { t } from './strings/index.ts';

export function FormsLink({ customer }: { customer: { id: string; email?: string | null } }) {
  return (
    <a class="small" href={href('flows', `customer/${customer.id}`)}>
      {t.customerForms}
      <span class="sr-only"> ({customer.email ?? customer.id})</span>
    </a>
  );
}
