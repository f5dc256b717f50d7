// The customer's own forms (what they answered in Customer Flows): "Your answers" on a booking a flow made, and the
// "Your forms" card of the Profile page. Small and in the first download: the answers view itself is shared with the
// console (../../../shared/form-answers.tsx). Live: the pages showing them follow `form` events.
import type { FormView } from '../../../shared/form-answers.tsx';
import { FormAnswers } from '../../../shared/form-answers.tsx';
import { useLive } from '../../../shared/live.ts';
import { invalidate, useResource } from '../../../shared/store.ts';
import type { Booking } from '../types.ts';
import { browserZone, formatWhen } from '../format.ts';
import { ErrorBox, SrOnly } from '../ui.tsx';
import { t } from '../strings/index.ts';

const F = t.forms;
/** The newest page of forms (100): a booking's form is among them unless the customer sent very many since. */
const FORMS = 'forms';
type Forms = { items: FormView[] };

/** Fetches the forms again when a form is sent (here, in a flow, or at the desk) while a page showing them is open. */
export const useFormsLive = (bff: string) => useLive(bff, ['form'], () => invalidate(FORMS));

/** "Your answers" under a booking, when a flow made it; nothing otherwise (or while the forms load). */
export function BookingAnswers({ b }: { b: Booking }) {
  const form = useResource<Forms>(FORMS).data?.items.find((f) => f.bookingId === b.id);
  if (!form) return null;
  return (
    <details class="form-answers">
      <summary>
        {F.answers}
        <SrOnly> ({b.service.name})</SrOnly>
      </summary>
      <FormAnswers form={form} words={F} when={(iso) => formatWhen(iso, b.timeZone)} />
    </details>
  );
}

/** The Profile page's list of every form the customer sent; hidden while they have sent none. */
export function YourForms() {
  const { data, error, reload } = useResource<Forms>(FORMS);
  if (error) return <ErrorBox error={error} retry={reload} />;
  if (!data?.items.length) return null;
  const when = (iso: string) => formatWhen(iso, browserZone());
  return (
    <section class="card" aria-labelledby="forms-heading" data-testid="your-forms">
      <h2 id="forms-heading">{F.heading}</h2>
      <p class="muted">{F.intro}</p>
      {data.items.map((f) => (
        <article key={f.id} class="form-sent" aria-labelledby={`form-${f.id}`}>
          <h3 id={`form-${f.id}`}>{f.title}</h3>
          <p class="muted">
            <time dateTime={f.submittedAt}>{F.sent(when(f.submittedAt))}</time>
          </p>
          <FormAnswers form={f} words={F} when={when} />
        </article>
      ))}
    </section>
  );
}
