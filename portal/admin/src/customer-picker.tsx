// Picks the customer staff work for (a tab at the point of sale, an invoice filter): their exact email address,
// looked up with the Admin API (`GET /customers?email=`). idp/ answers an exact address only, so the console never
// lists or suggests customers: staff ask the customer for their address, as they would at a counter.
import { api, ApiError } from '../../shared/api.ts';
import { TextField, localError } from './ui.tsx';
import { tm } from './strings/money.ts';

export type CustomerRef = { id: string; email?: string };

const P = tm.customerPicker;

/** The customer with the typed email address; a problem reported on the form's `field` when there is none. */
export async function findCustomer(typed: string, field: string): Promise<CustomerRef> {
  const email = typed.trim();
  const problem = (message: string) => localError([{ field, message }]);
  if (!email) throw problem(P.required);
  if (!/^[^\s@]+@[^\s@]+$/.test(email)) throw problem(P.notAnAddress);
  const found = await api<{ items: CustomerRef[] }>(`customers?email=${encodeURIComponent(email)}`).catch((err: unknown) => {
    throw err instanceof ApiError && err.status === 400 ? problem(P.notAnAddress) : err;
  });
  if (!found.items[0]) throw problem(P.notFound);
  return found.items[0];
}

/** The customer's email address. */
export function CustomerField(props: { id: string; label: string; value: string; onInput: (v: string) => void; error?: string; hint?: string }) {
  return <TextField {...props} hint={props.hint ?? P.hint} type="email" inputMode="email" autoComplete="off" />;
}
