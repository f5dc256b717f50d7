// Picks a customer for work staff do on their behalf (a tab at the point of sale, an invoice filter; a booking made
// for them could use it too): an email field suggesting the organisation's recent customers, those who booked in
// the last 30 days or the next 7, plus any the page knows (e.g. from its tabs). An address not among them is asked
// of the Admin API's customer lookup.
import { useEffect, useState } from 'preact/hooks';
import { api, ApiError } from '../../shared/api.ts';
import { fetchRange } from './pages/bookings.tsx';
import { TextField } from './ui.tsx';
import { tm } from './strings/money.ts';

export type CustomerRef = { id: string; email?: string };

const DAY = 86_400_000;

/** Customers of recent and upcoming bookings, the most recent first, and `known` ones (first, deduplicated). */
export function useRecentCustomers(known: CustomerRef[] = []): CustomerRef[] {
  const [booked, setBooked] = useState<CustomerRef[]>([]);
  useEffect(() => {
    let live = true;
    const now = Date.now();
    fetchRange({ from: now - 30 * DAY, to: now + 7 * DAY }).then(
      (list) => live && setBooked(list.reverse().flatMap((b) => (b.customer?.id ? [b.customer] : []))),
      () => undefined, // suggestions only: typing an address still works
    );
    return () => {
      live = false;
    };
  }, []);
  const byId = new Map<string, CustomerRef>();
  for (const c of [...known, ...booked]) if (c.email && !byId.has(c.id)) byId.set(c.id, c);
  return [...byId.values()];
}

/** The customer with the typed email: one of `known`, else the Admin API's (`GET /customers?email=`); undefined if none. */
export async function findCustomer(typed: string, known: CustomerRef[]): Promise<CustomerRef | undefined> {
  const email = typed.trim().toLowerCase();
  if (!email) return undefined;
  const mine = known.find((c) => c.email?.toLowerCase() === email);
  if (mine) return mine;
  try {
    const found = await api<{ items: CustomerRef[] }>(`customers?email=${encodeURIComponent(email)}`);
    return found.items.find((c) => c.email?.toLowerCase() === email);
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) return undefined;
    throw err;
  }
}

/** An email field with the customers as suggestions (the browser's own list: typing filters it, arrows choose). */
export function CustomerField(props: { id: string; label: string; value: string; onInput: (v: string) => void; customers: CustomerRef[]; error?: string; hint?: string }) {
  const listId = `${props.id}-suggestions`;
  return (
    <>
      <TextField
        id={props.id}
        label={props.label}
        hint={props.hint ?? tm.customerPicker.hint}
        type="email"
        autoComplete="off"
        value={props.value}
        onInput={props.onInput}
        error={props.error}
        list={listId}
      />
      <datalist id={listId}>
        {props.customers.map((c) => (
          <option key={c.id} value={c.email} />
        ))}
      </datalist>
    </>
  );
}
