// Invoices and receipts (`#/invoices`): the customer's invoices, credit notes and receipts, newest first, filtered by
// year and type; each one shown (`#/document/<id>`: lines, tax breakdown, totals, payment) and downloaded as the
// business's branded PDF (through the portal's API proxy, as an attachment). Live: a new invoice appears when issued.
import { useState } from 'preact/hooks';
import type { PageProps, SectionDef } from './types.ts';
import type { DocumentKind, MoneyDocument } from '../../../shared/types.ts';
import { apiHref } from '../../../shared/api.ts';
import { invalidateMatching, useResource } from '../../../shared/store.ts';
import { useLive } from '../../../shared/live.ts';
import { formatDateIn, money } from '../format.ts';
import { LinesTable, Totals, taxName, type TotalRow } from '../money-view.tsx';
import { ErrorBox, Heading, Loaded, Loading, SrOnly, useTitle } from '../ui.tsx';
import { MoreButton, useMorePages } from '../more-pages.tsx';
import { href } from '../router.ts';
import { cardName } from './payment-methods.tsx';
import { t } from '../strings/index.ts';

const D = t.documents;
const ALL = 'documents';
/** One is enough to know whether there are any (hidden_when_empty, the home card). */
const FIRST = 'documents?limit=1';
type Documents = { items: MoneyDocument[]; next?: string };
const KINDS: DocumentKind[] = ['invoice', 'credit_note', 'receipt'];

/** Every documents list and document fetches again (a new invoice, a refund's credit note). */
export const refreshDocuments = (): void => invalidateMatching((p) => p === ALL || p.startsWith(`${ALL}?`) || p.startsWith(`${ALL}/`));

const listPath = (year: string, kind: string): string => {
  const q = new URLSearchParams();
  if (year) q.set('year', year);
  if (kind) q.set('kind', kind);
  const query = q.toString();
  return query ? `${ALL}?${query}` : ALL;
};

/** The document's PDF through the portal's API proxy, for the browser to download. */
export const pdfHref = (id: string): string => apiHref(`${ALL}/${encodeURIComponent(id)}/pdf`);
const documentName = (d: MoneyDocument): string => D.name(D.kinds[d.kind], d.number);
const issued = (d: MoneyDocument): string => formatDateIn(d.issuedAt, d.timeZone);

function Download({ d }: { d: MoneyDocument }) {
  return (
    <a class="btn" href={pdfHref(d.id)} download={`${d.number}.pdf`}>
      {D.download}
      <SrOnly> {documentName(d)}</SrOnly>
    </a>
  );
}

function Filters({ years, year, kind, set }: { years: string[]; year: string; kind: string; set: (year: string, kind: string) => void }) {
  return (
    <form class="inline-form filters" onSubmit={(e) => e.preventDefault()} aria-label={D.filters}>
      <div class="field">
        <label for="doc-year">{D.year}</label>
        <select id="doc-year" value={year} onChange={(e) => set((e.target as HTMLSelectElement).value, kind)}>
          <option value="">{D.allYears}</option>
          {years.map((y) => (
            <option key={y} value={y}>
              {y}
            </option>
          ))}
        </select>
      </div>
      <div class="field">
        <label for="doc-kind">{D.type}</label>
        <select id="doc-kind" value={kind} onChange={(e) => set(year, (e.target as HTMLSelectElement).value)}>
          <option value="">{D.allTypes}</option>
          {KINDS.map((k) => (
            <option key={k} value={k}>
              {D.kindsPlural[k]}
            </option>
          ))}
        </select>
      </div>
    </form>
  );
}

/** Years to filter by: this one back to the oldest document seen (six more when there are more to page through). */
function yearsOf(all: Documents | undefined, chosen: string): string[] {
  const now = new Date().getFullYear();
  const seen = (all?.items ?? []).map((d) => Number(d.issuedAt.slice(0, 4)));
  const oldest = Math.max(2000, Math.min(now, ...seen, Number(chosen) || now) - (all?.next ? 6 : 0));
  return Array.from({ length: now - oldest + 1 }, (_, i) => String(now - i));
}

/** One filtered list: its first page from the shared store (live), further pages on demand. */
function DocumentList({ path, filtered }: { path: string; filtered: boolean }) {
  const list = useResource<Documents>(path);
  const pages = useMorePages(list, (next) => `${path}${path.includes('?') ? '&' : '?'}before=${encodeURIComponent(next)}`);
  const items = pages.items;

  return (
    <Loaded r={list}>
      {() => (
        <>
          <p role="status" class="muted">
            {D.count(items.length)}
          </p>
          {items.length ? (
            <ul class="plain docs">
              {items.map((d) => (
                <li key={d.id} class="card doc">
                  <div class="doc-main">
                    <h2>
                      <a href={href('document', d.id)}>{documentName(d)}</a>
                    </h2>
                    <p class="muted">
                      <time dateTime={d.issuedAt}>{issued(d)}</time>
                      {d.relatesTo && <> · {D.forInvoice(d.relatesTo.number)}</>}
                    </p>
                  </div>
                  <p class="doc-amount">{money(d.total, d.currency)}</p>
                  <Download d={d} />
                </li>
              ))}
            </ul>
          ) : (
            <p>{filtered ? D.noneMatching : D.empty}</p>
          )}
          <MoreButton pages={pages} label={t.bookings.loadMore} />
        </>
      )}
    </Loaded>
  );
}

function InvoicesPage({ section, boot }: PageProps) {
  useTitle(section.label);
  const [year, setYear] = useState('');
  const [kind, setKind] = useState('');
  const all = useResource<Documents>(ALL); // what the years to choose from come from
  useLive(boot.bff, ['document', 'tab'], refreshDocuments);
  const path = listPath(year, kind);

  return (
    <>
      <Heading>{section.label}</Heading>
      <Filters
        years={yearsOf(all.data, year)}
        year={year}
        kind={kind}
        set={(y, k) => {
          setYear(y);
          setKind(k);
        }}
      />
      <DocumentList key={path} path={path} filtered={!!(year || kind)} />
    </>
  );
}

function docTotals(d: MoneyDocument): TotalRow[] {
  const rows: TotalRow[] = [{ label: t.money.subtotal, amount: d.subtotal }];
  if (d.discount) rows.push({ label: t.money.discount, amount: d.discount, negative: true });
  if (d.tax && !d.taxInclusive) rows.push({ label: t.money.tax, amount: d.tax });
  if (d.tip) rows.push({ label: t.money.tip, amount: d.tip });
  rows.push({ label: d.kind === 'credit_note' ? D.totalCredited : t.money.total, amount: d.total, strong: true });
  if (d.tax && d.taxInclusive) rows.push({ label: t.money.includesTax, amount: d.tax });
  return rows;
}

/** `#/document/<id>`: one invoice, credit note or receipt. */
function DocumentPage({ section, param }: PageProps) {
  const id = param ?? '';
  const { data: d, error, loading, reload } = useResource<MoneyDocument>(id ? `${ALL}/${encodeURIComponent(id)}` : null);
  useTitle(d ? documentName(d) : section.label);
  const back = (
    <p class="back">
      <a href={href(section.key)}>{D.back}</a>
    </p>
  );
  if (!d) {
    return (
      <>
        {back}
        <Heading>{section.label}</Heading>
        {loading ? (
          <Loading />
        ) : error?.status === 404 || error?.status === 400 || !id ? (
          <p role="alert">{D.notFound}</p>
        ) : (
          error && <ErrorBox error={error} retry={reload} />
        )}
      </>
    );
  }
  const p = d.payment;
  return (
    <>
      {back}
      <Heading>{documentName(d)}</Heading>
      <p class="muted">
        {D.issuedOn(issued(d))}
        {d.relatesTo && (
          <>
            {' · '}
            <a href={href('document', d.relatesTo.id)}>{D.forInvoice(d.relatesTo.number)}</a>
          </>
        )}
      </p>
      {d.reason && <p>{D.reason(d.reason)}</p>}
      <section class="card" aria-labelledby="doc-lines">
        <h2 id="doc-lines">{D.lines}</h2>
        <LinesTable lines={d.lines} currency={d.currency} caption={D.lines} />
        <Totals rows={docTotals(d)} currency={d.currency} />
      </section>
      <div class="cards">
        {d.taxBreakdown.length > 0 && (
          <section class="card" aria-labelledby="doc-tax">
            <h2 id="doc-tax">{D.taxBreakdown}</h2>
            <table class="lines-table">
              <thead>
                <tr>
                  <th scope="col">{D.rate}</th>
                  <th scope="col" class="num">
                    {D.net}
                  </th>
                  <th scope="col" class="num">
                    {t.money.tax}
                  </th>
                </tr>
              </thead>
              <tbody>
                {d.taxBreakdown.map((r) => (
                  <tr key={r.name + r.percent}>
                    <td>{taxName(r)}</td>
                    <td class="num">{money(r.net, d.currency)}</td>
                    <td class="num">{money(r.tax, d.currency)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </section>
        )}
        {p && (
          <section class="card" aria-labelledby="doc-payment">
            <h2 id="doc-payment">{D.payment}</h2>
            <p>
              {p.method === 'cash' ? D.paidCash : p.brand && p.last4 ? D.paidCard(cardName({ brand: p.brand, last4: p.last4 })) : D.paidByCard}
              <br />
              <span class="muted">{formatDateIn(p.paidAt, d.timeZone)}</span>
            </p>
          </section>
        )}
      </div>
      <div class="actions">
        <Download d={d} />
      </div>
    </>
  );
}

/** Home: the latest document. */
function InvoicesCard() {
  return (
    <Loaded r={useResource<Documents>(FIRST)} compact>
      {(data) => {
        const d = data.items[0];
        if (!d) return <p>{D.empty}</p>;
        return (
          <>
            <h3>{D.latest}</h3>
            <p>
              <a href={href('document', d.id)}>{documentName(d)}</a>
              <br />
              {issued(d)} · {money(d.total, d.currency)}
            </p>
            <p>
              <Download d={d} />
            </p>
          </>
        );
      }}
    </Loaded>
  );
}

export const invoices: SectionDef = {
  Page: InvoicesPage,
  Card: InvoicesCard,
  resource: FIRST,
  isEmpty: (d: Documents | undefined) => !d || d.items.length === 0,
  routes: { document: DocumentPage },
  live: { events: ['document'], refresh: refreshDocuments },
};
