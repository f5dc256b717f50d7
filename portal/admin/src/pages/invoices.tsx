// Invoices: the organisation's invoices, credit notes and receipts, filtered by year, type and customer, newest
// first and live (a tab settled at the counter shows its invoice at once), with the accountant's CSV export.
import { useState } from 'preact/hooks';
import type { PageProps } from '../app.tsx';
import { api, apiHref } from '../../../shared/api.ts';
import { moneyIn } from '../../../shared/money.ts';
import { useLiveEvents } from '../../../shared/live.ts';
import { href } from '../router.ts';
import { ListFooter, pageAt, usePagedList } from '../paged-list.tsx';
import { FormsLink } from '../customer-forms.tsx';
import type { DocumentEvent, DocumentKind, DocumentsPage, MoneyDocument } from '../types.ts';
import { CustomerField, findCustomer, type CustomerRef } from '../customer-picker.tsx';
import { FormError, Heading, ListTable, LiveIndicator, SelectField, fieldErrors, useSubmit, useTitle } from '../ui.tsx';
import { t } from '../strings/index.ts';
import { tm } from '../strings/money.ts';

const I = tm.invoices;
const KINDS: DocumentKind[] = ['invoice', 'credit_note', 'receipt'];
const YEARS = 7;

type Filters = { year: string; kind: '' | DocumentKind; customer?: CustomerRef };

const query = (f: Filters, withCustomer = true) =>
  new URLSearchParams({
    ...(f.year ? { year: f.year } : {}),
    ...(f.kind ? { kind: f.kind } : {}),
    ...(withCustomer && f.customer ? { customerId: f.customer.id } : {}),
  }).toString();

/** The year a document was issued in its own time zone (the year its number carries). */
export function issuedYear(d: MoneyDocument): string {
  try {
    return new Intl.DateTimeFormat('en', { year: 'numeric', timeZone: d.timeZone }).format(new Date(d.issuedAt));
  } catch {
    return d.issuedAt.slice(0, 4);
  }
}

/** A document's issue date in its own time zone. */
export function issuedOn(d: MoneyDocument): string {
  const lang = document.documentElement.lang || undefined;
  try {
    return new Intl.DateTimeFormat(lang, { dateStyle: 'medium', timeZone: d.timeZone }).format(new Date(d.issuedAt));
  } catch {
    return new Intl.DateTimeFormat(lang, { dateStyle: 'medium' }).format(new Date(d.issuedAt));
  }
}

export const docTotal = (d: MoneyDocument) => moneyIn(d.currency)(d.total);
export const customerOf = (d: MoneyDocument) => d.customer.name ?? d.customer.email ?? d.customer.id;
const matches = (d: MoneyDocument, f: Filters) =>
  (!f.year || issuedYear(d) === f.year) && (!f.kind || d.kind === f.kind) && (!f.customer || d.customer.id === f.customer.id);

/** The documents as a table, each number linking to the document. */
export function DocumentTable({ docs, labelledBy }: { docs: MoneyDocument[]; labelledBy: string }) {
  return (
    <ListTable
      class="documents"
      labelledBy={labelledBy}
      columns={[I.columns.number, I.columns.kind, I.columns.issued, I.columns.customer, [I.columns.total, 'num']]}
    >
      {docs.map((d) => (
        <tr key={d.id} id={`doc-${d.id}`} data-kind={d.kind}>
          <td>
            <a href={href('invoices', d.id)} class="mono">
              {d.number}
            </a>
          </td>
          <td>{I.kinds[d.kind]}</td>
          <td>
            <time dateTime={d.issuedAt}>{issuedOn(d)}</time>
          </td>
          <td class="wrap">
            {customerOf(d)} <FormsLink customer={d.customer} />
          </td>
          <td class="num">{d.kind === 'credit_note' ? `−${docTotal(d)}` : docTotal(d)}</td>
        </tr>
      ))}
    </ListTable>
  );
}

function FilterForm({ filters, onApply }: { filters: Filters; onApply: (f: Filters) => void }) {
  const [year, setYear] = useState(filters.year);
  const [kind, setKind] = useState(filters.kind);
  const [email, setEmail] = useState(filters.customer?.email ?? '');
  const f = useSubmit();
  const errors = fieldErrors(f.error, (p) => (p[0] === 'customer' ? 'customer' : undefined));
  const now = new Date().getFullYear();
  const onSubmit = (e: Event) => {
    e.preventDefault();
    void f.submit(async () => {
      const customer = email.trim() ? await findCustomer(email, 'customer') : undefined;
      onApply({ year, kind, customer });
    });
  };
  return (
    // biome-ignore lint/a11y/useSemanticElements: a form with the search role is the landmark screen readers announce everywhere; <search> is too new
    <form class="card" role="search" aria-label={I.filters} onSubmit={onSubmit} noValidate>
      <FormError error={f.error} keyOf={(p) => (p[0] === 'customer' ? 'customer' : undefined)} labels={{ customer: I.customer }} prefix="flt" />
      <div class="inline-form filters">
        <SelectField
          id="flt-year"
          label={I.year}
          value={year}
          onChange={setYear}
          options={[['', I.allYears], ...Array.from({ length: YEARS }, (_, i): [string, string] => [String(now - i), String(now - i)])]}
        />
        <SelectField
          id="flt-kind"
          label={I.kind}
          value={kind}
          onChange={(v) => setKind(v as Filters['kind'])}
          options={[['', I.allKinds], ...KINDS.map((k): [string, string] => [k, I.kindsPlural[k]!])]}
        />
        <CustomerField id="flt-customer" label={I.customer} hint={I.customerHint} value={email} onInput={setEmail} error={errors.customer} />
        <button type="submit" class="btn primary" disabled={f.busy}>
          {I.apply}
        </button>
      </div>
    </form>
  );
}

export function InvoicesPage({ boot }: PageProps) {
  useTitle(t.nav.invoices);
  const [filters, setFilters] = useState<Filters>({ year: String(new Date().getFullYear()), kind: '' });
  const list = usePagedList(
    (before) => {
      const q = query(filters);
      return api<DocumentsPage>(pageAt(`documents?${q ? `${q}&` : ''}limit=50`, before, 'before'));
    },
    [filters],
  );
  useLiveEvents(boot.bff, ['document'], (_, data) => {
    const d = (data as DocumentEvent | undefined)?.document;
    if (!d?.id) return list.reload();
    if (matches(d, filters)) list.setItems((docs) => (docs ? [d, ...docs.filter((x) => x.id !== d.id)] : docs));
  });

  const csv = apiHref(`documents.csv${query(filters, false) ? `?${query(filters, false)}` : ''}`);
  return (
    <>
      <div class="page-head">
        <Heading>{t.nav.invoices}</Heading>
        <LiveIndicator />
      </div>
      <p class="muted">{I.intro}</p>
      <FilterForm filters={filters} onApply={setFilters} />
      <p>
        <a class="btn" href={csv} download data-testid="csv">
          {I.csv}
        </a>{' '}
        <span class="hint">{I.csvHint}</span>
      </p>
      <h2 id="docs-h" class="sr-only">
        {t.nav.invoices}
      </h2>
      {list.items && (list.items.length ? <DocumentTable docs={list.items} labelledBy="docs-h" /> : <p class="empty">{I.empty}</p>)}
      <ListFooter list={list} more={I.loadMore} />
    </>
  );
}
