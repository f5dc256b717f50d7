// One invoice, credit note or receipt as issued (it never changes), its PDF, the documents that refer to it, and,
// for admins, a refund of all or part of what is left, which issues a credit note.
import { useEffect, useRef, useState } from 'preact/hooks';
import type { PageProps } from '../app.tsx';
import { api, apiHref, asApiError, type ApiError, type FieldError } from '../../../shared/api.ts';
import { moneyIn, toMajor, toMinor } from '../../../shared/money.ts';
import { useLiveEvents } from '../../../shared/live.ts';
import { href } from '../router.ts';
import { FormsLink } from '../customer-forms.tsx';
import type { DocumentEvent, DocumentsPage, MoneyDocument } from '../types.ts';
import {
  ErrorBox,
  FormError,
  Heading,
  Loading,
  RadioGroup,
  Status,
  TextField,
  fieldErrors,
  formatDateTime,
  localError,
  useCan,
  useSubmit,
  useTitle,
} from '../ui.tsx';
import { t } from '../strings/index.ts';
import { tm } from '../strings/money.ts';
import { DocumentTable, customerOf, issuedOn } from './invoices.tsx';
import { LinesTable, Sums } from './money-parts.tsx';

const I = tm.invoices;
const enc = encodeURIComponent;

function Facts({ doc }: { doc: MoneyDocument }) {
  const p = doc.payment;
  return (
    <dl class="facts">
      <dt>{I.issued}</dt>
      <dd>
        <time dateTime={doc.issuedAt}>{issuedOn(doc)}</time>
      </dd>
      <dt>{I.billedTo}</dt>
      <dd class="break">
        {customerOf(doc)}
        {doc.customer.name && doc.customer.email && <span class="muted"> · {doc.customer.email}</span>} <FormsLink customer={doc.customer} />
      </dd>
      {p && (
        <>
          <dt>{I.paymentLabel}</dt>
          <dd>{I.paidWith(p.method === 'cash' ? I.cash : `${p.brand ?? ''} •••• ${p.last4 ?? ''}`, formatDateTime(p.paidAt))}</dd>
        </>
      )}
      {doc.relatesTo && (
        <>
          <dt>{I.relatesTo}</dt>
          <dd>
            <a href={href('invoices', doc.relatesTo.id)} class="mono">
              {doc.relatesTo.number}
            </a>
          </dd>
        </>
      )}
      {doc.reason && (
        <>
          <dt>{I.reason}</dt>
          <dd class="break">{doc.reason}</dd>
        </>
      )}
    </dl>
  );
}

function Body({ doc }: { doc: MoneyDocument }) {
  const money = moneyIn(doc.currency);
  return (
    <>
      <h2 id="doc-lines-h">{I.lines}</h2>
      <LinesTable lines={doc.lines} currency={doc.currency} labelledBy="doc-lines-h" />
      <div class="doc-sums">
        {doc.taxBreakdown.length > 0 && (
          <div class="table-wrap">
            <table class="list" aria-labelledby="doc-tax-h">
              <caption id="doc-tax-h">{I.taxBreakdown}</caption>
              <thead>
                <tr>
                  <th scope="col">{I.taxColumns.rate}</th>
                  <th scope="col" class="num">
                    {I.taxColumns.net}
                  </th>
                  <th scope="col" class="num">
                    {I.taxColumns.tax}
                  </th>
                </tr>
              </thead>
              <tbody>
                {doc.taxBreakdown.map((r) => (
                  <tr key={r.name}>
                    <td>{r.name}</td>
                    <td class="num">{money(r.net)}</td>
                    <td class="num">{money(r.tax)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        <Sums
          amounts={doc}
          currency={doc.currency}
          taxInclusive={doc.taxInclusive}
          totalLabel={doc.kind === 'credit_note' ? tm.sums.credited : undefined}
          testId="doc-totals"
        />
      </div>
    </>
  );
}

const refundKeyOf = (p: string[]) => (p[0] === 'amount' || p[0] === 'reason' ? p[0] : undefined);

/** Refund all or part of what is left of an invoice: a credit note for it. */
function Refund({ invoice, onRefunded }: { invoice: MoneyDocument; onRefunded: (note: MoneyDocument) => void }) {
  const can = useCan('admin');
  const left = invoice.refundable ?? 0;
  const money = moneyIn(invoice.currency);
  const [how, setHow] = useState<'full' | 'part'>('full');
  const [amount, setAmount] = useState('');
  const [reason, setReason] = useState('');
  const [done, setDone] = useState<MoneyDocument | null>(null);
  const f = useSubmit();
  const errors = fieldErrors(f.error, refundKeyOf);
  const typed = how === 'part' ? toMinor(amount, invoice.currency) : left;
  const onSubmit = (e: Event) => {
    e.preventDefault();
    void f.submit(async () => {
      const problems: FieldError[] = [];
      if (!typed || typed > left) problems.push({ field: 'amount', message: I.amountInvalid(money(left)) });
      if (!reason.trim()) problems.push({ field: 'reason', message: I.required });
      if (problems.length) throw localError(problems);
      const note = await api<MoneyDocument>(`documents/${enc(invoice.id)}/refunds`, 'POST', {
        ...(how === 'part' ? { amount: typed } : {}),
        reason: reason.trim(),
      });
      setDone(note);
      setAmount('');
      setReason('');
      setHow('full');
      onRefunded(note);
      return I.refunded(note.number, money(note.total));
    });
  };
  return (
    <section class="card" aria-labelledby="refund-h">
      <h2 id="refund-h">{I.refund}</h2>
      {!can ? (
        <p class="note">{I.refundAdminsOnly}</p>
      ) : left <= 0 ? (
        <p class="muted">{I.fullyRefunded}</p>
      ) : (
        <form onSubmit={onSubmit} noValidate>
          <p class="hint">{I.refundIntro(money(left))}</p>
          <FormError error={f.error} keyOf={refundKeyOf} labels={{ amount: I.amount(invoice.currency), reason: I.refundReason }} prefix="refund" />
          <RadioGroup
            id="refund-how"
            legend={I.howMuch}
            value={how}
            onChange={(v) => setHow(v as 'full' | 'part')}
            options={[
              ['full', I.full(money(left))],
              ['part', I.part],
            ]}
          />
          {how === 'part' && (
            <TextField
              id="refund-amount"
              label={I.amount(invoice.currency)}
              inputMode="decimal"
              placeholder={toMajor({ amount: left, currency: invoice.currency })}
              value={amount}
              onInput={setAmount}
              error={errors.amount}
            />
          )}
          <TextField
            id="refund-reason"
            label={I.refundReason}
            hint={I.refundReasonHint}
            value={reason}
            onInput={setReason}
            error={errors.reason}
            required
          />
          <div class="actions">
            <button type="submit" class="btn danger" disabled={f.busy}>
              {I.refundSubmit(typed && typed <= left ? money(typed) : '')}
            </button>
          </div>
        </form>
      )}
      <Status text={f.status} />
      {done && (
        <p>
          <a href={href('invoices', done.id)}>{I.viewCreditNote(done.number)}</a>
        </p>
      )}
    </section>
  );
}

/** The credit notes and receipts that name this invoice. */
function Related({ docs }: { docs: MoneyDocument[] }) {
  if (!docs.length) return null;
  return (
    <section class="card" aria-labelledby="related-h">
      <h2 id="related-h">{I.related}</h2>
      <DocumentTable docs={docs} labelledBy="related-h" />
    </section>
  );
}

export function InvoicePage({ boot, param }: PageProps) {
  const id = param ?? '';
  const [doc, setDoc] = useState<MoneyDocument | null>(null);
  const [related, setRelated] = useState<MoneyDocument[]>([]);
  const [error, setError] = useState<ApiError | null>(null);
  const seq = useRef(0);
  useTitle(doc ? I.title(I.kinds[doc.kind]!, doc.number) : t.nav.invoices);
  const load = () => {
    const mine = ++seq.current;
    api<MoneyDocument>(`documents/${enc(id)}`)
      .then(async (d) => {
        const theirs = d.kind === 'invoice' ? await api<DocumentsPage>(`documents?customerId=${enc(d.customer.id)}&limit=100`) : { items: [] };
        if (mine !== seq.current) return;
        setDoc(d);
        setRelated(theirs.items.filter((x) => x.relatesTo?.id === d.id));
        setError(null);
      })
      .catch((err: unknown) => mine === seq.current && setError(asApiError(err)));
  };
  useEffect(load, [id]);
  // A refund made elsewhere changes what is left to refund and adds a credit note.
  useLiveEvents(boot.bff, ['document'], (_, data) => {
    const d = (data as DocumentEvent | undefined)?.document;
    if (!d || d.relatesTo?.id === id) load();
  });

  if (error) return <ErrorBox error={error} retry={load} />;
  if (!doc) return <Loading />;
  return (
    <>
      <p class="back">
        <a href={href('invoices')}>{I.back}</a>
      </p>
      <div class="page-head">
        <Heading>{I.title(I.kinds[doc.kind]!, doc.number)}</Heading>
        <a class="btn" href={apiHref(`documents/${enc(doc.id)}/pdf`)} download={`${doc.number}.pdf`}>
          {I.pdf}
        </a>
      </div>
      <section class="card" aria-labelledby="page-title">
        <Facts doc={doc} />
        <Body doc={doc} />
      </section>
      {doc.kind === 'invoice' && <Refund invoice={doc} onRefunded={load} />}
      <Related docs={related} />
    </>
  );
}
