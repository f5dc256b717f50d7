// Customer Flows in the console: the list, a flow's draft editor (steps reordered like the portal's sections) with
// publishing, and a customer's sent forms, live. One chunk of its own (app.tsx), fetched when first opened.
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { PageProps } from '../app.tsx';
import { api, asApiError, ApiError } from '../../../shared/api.ts';
import { FormAnswers, type FormView } from '../../../shared/form-answers.tsx';
import { useLiveEvents } from '../../../shared/live.ts';
import { invalidate, setResource, useResource } from '../../../shared/store.ts';
import { CreateBySlug } from '../create-by-slug.tsx';
import { move, ReorderList } from '../reorder.tsx';
import { go, href } from '../router.ts';
import type { List, PortalView } from '../types.ts';
import {
  Alert,
  CheckField,
  ErrorBox,
  FormError,
  Heading,
  ListTable,
  LiveIndicator,
  Loading,
  ReadOnlyNote,
  SelectField,
  Status,
  TextField,
  fieldErrors,
  formatDateTime,
  setNotice,
  useAction,
  useCan,
  useNotice,
  useTitle,
} from '../ui.tsx';
import { t } from '../strings/index.ts';
import F from '../strings/en-flows.ts';
import { DEFAULT_TITLES } from '../../../api/flows/titles.ts';

// The Admin API's step shapes (portal/api/flows/steps.ts), as the editor holds them.
type QuestionType = 'text' | 'choice' | 'checkbox' | 'date';
type Question = { id: string; label: string; type: QuestionType; required: boolean; options?: string[]; minLength?: number; maxLength?: number };
type Step =
  | { kind: 'service'; title?: string; serviceIds?: string[] }
  | { kind: 'time'; title?: string; days?: number }
  | { kind: 'sign-in'; title?: string }
  | { kind: 'questions'; title: string; questions: Question[] }
  | { kind: 'consent'; title: string; text: string }
  | { kind: 'confirmation'; title?: string; message?: string };
type Kind = Step['kind'];
type FlowView = { slug: string; title: string; portal: string | null; steps: Step[]; version: number };
const KINDS: Kind[] = ['service', 'time', 'sign-in', 'questions', 'consent', 'confirmation'];
const QUESTION_TYPES: QuestionType[] = ['text', 'choice', 'checkbox', 'date'];
const stepLabel = (s: Step) => s.title?.trim() || DEFAULT_TITLES[s.kind];

/** Where customers open a flow: under the organisation's public address. */
const flowAddress = (boot: PageProps['boot'], slug: string) => `${boot.issuer}/flows/${slug}`;

function newStep(kind: Kind): Step {
  switch (kind) {
    case 'questions':
      return { kind, title: DEFAULT_TITLES.questions, questions: [{ id: 'q1', label: '', type: 'text', required: false }] };
    case 'consent':
      return { kind, title: DEFAULT_TITLES.consent, text: '' };
    default:
      return { kind };
  }
}

/** A step as the API takes it: empty optional fields left out, options only where the kind has them. */
function stepBody(s: Step): Step {
  const title = s.title?.trim();
  const base = { ...s, ...(title ? { title } : { title: undefined }) } as Step;
  if (base.kind === 'confirmation' && !base.message?.trim()) delete base.message;
  if (base.kind === 'questions') {
    base.questions = base.questions.map((q) => {
      const options = (q.options ?? []).map((o) => o.trim()).filter(Boolean);
      const out: Question = { id: q.id.trim(), label: q.label.trim(), type: q.type, required: q.required };
      if ((q.type === 'choice' || q.type === 'checkbox') && options.length) out.options = options;
      if (q.type === 'text') {
        if (q.minLength) out.minLength = q.minLength;
        if (q.maxLength) out.maxLength = q.maxLength;
      }
      return out;
    });
  }
  return JSON.parse(JSON.stringify(base)) as Step; // drops the undefined title
}

/** Editor rows: each step with a key of its own, so reordering keeps focus and drag targets on the right step. */
type Item = { key: string; step: Step };
let nextKey = 0;
const item = (step: Step): Item => ({ key: `s${++nextKey}`, step });

const topKey = (path: string[]) => {
  if (path[0] === 'steps' && path[1] && /^\d+$/.test(path[1])) return `step-${path[1]}`;
  return path[0] === 'title' || path[0] === 'portal' || path[0] === 'steps' ? path[0] : undefined;
};

/** The API's problems with a step's inner field ("steps.2.questions.0.id") name that field in the message. */
const withInnerField = (e: ApiError | null): ApiError | null =>
  e &&
  new ApiError(
    e.status,
    e.description,
    e.details.map((d) => {
      const inner = d.field.split('.').slice(2);
      return inner.length ? { ...d, message: `${inner.map((p) => (/^\d+$/.test(p) ? Number(p) + 1 : p)).join(' ')}: ${d.message}` } : d;
    }),
    e.code,
  );

export function FlowsPage({ boot }: PageProps) {
  useTitle(t.nav.flows);
  const can = useCan('admin');
  const notice = useNotice();
  const { data, error, loading, reload } = useResource<List<FlowView>>('flows');
  return (
    <>
      <Heading>{t.nav.flows}</Heading>
      <p class="muted">{F.intro}</p>
      <ReadOnlyNote />
      <Status text={notice} />
      {data ? (
        data.items.length ? (
          <ListTable testId="flows" columns={[F.title, F.published]} actions>
            {data.items.map((f) => (
              <tr key={f.slug}>
                <td>
                  <a href={href('flows', f.slug)}>{f.title}</a>
                </td>
                <td>{f.version ? F.version(f.version) : <span class="muted">{F.notPublished}</span>}</td>
                <td class="row-actions">
                  {f.version > 0 && (
                    <a class="break" href={flowAddress(boot, f.slug)} target="_blank" rel="noopener">
                      {F.open}
                      <span class="sr-only"> ({f.title})</span>
                    </a>
                  )}
                </td>
              </tr>
            ))}
          </ListTable>
        ) : (
          <p class="empty">{F.empty}</p>
        )
      ) : loading ? (
        <Loading />
      ) : (
        error && <ErrorBox error={error} retry={reload} />
      )}
      {can && <CreateBySlug collection="flows" name={{ key: 'title', label: F.title }} texts={F} prefix="nf" />}
    </>
  );
}

function QuestionsFields({ step, set, can }: { step: Extract<Step, { kind: 'questions' }>; set: (s: Step) => void; can: boolean }) {
  const setQ = (i: number, q: Partial<Question>) => set({ ...step, questions: step.questions.map((x, j) => (j === i ? { ...x, ...q } : x)) });
  const unused = () => {
    let n = step.questions.length + 1;
    while (step.questions.some((q) => q.id === `q${n}`)) n++;
    return `q${n}`;
  };
  return (
    <fieldset class="plain">
      <legend>{F.questions}</legend>
      {step.questions.map((q, i) => (
        <fieldset key={i} class="question" data-testid="question">
          <legend>{F.question(i + 1)}</legend>
          <div class="grid2">
            <TextField id={`fq-${i}-label`} label={F.questionLabel} value={q.label} onInput={(v) => setQ(i, { label: v })} required />
            <TextField id={`fq-${i}-id`} label={F.questionId} value={q.id} onInput={(v) => setQ(i, { id: v })} hint={F.questionIdHint} mono />
          </div>
          <div class="grid2">
            <SelectField
              id={`fq-${i}-type`}
              label={F.questionType}
              value={q.type}
              onChange={(v) => setQ(i, { type: v as QuestionType })}
              options={QUESTION_TYPES.map((k) => [k, F.types[k]!])}
            />
            <CheckField id={`fq-${i}-required`} label={F.required} checked={q.required} onChange={(v) => setQ(i, { required: v })} />
          </div>
          {(q.type === 'choice' || q.type === 'checkbox') && (
            <TextField
              id={`fq-${i}-options`}
              label={F.options}
              rows={3}
              value={(q.options ?? []).join('\n')}
              onInput={(v) => setQ(i, { options: v.split('\n') })}
              hint={F.optionsHint}
            />
          )}
          {can && step.questions.length > 1 && (
            <button type="button" class="btn small" onClick={() => set({ ...step, questions: step.questions.filter((_, j) => j !== i) })}>
              {F.removeQuestion(i + 1)}
            </button>
          )}
        </fieldset>
      ))}
      {can && (
        <button
          type="button"
          class="btn small"
          onClick={() => set({ ...step, questions: [...step.questions, { id: unused(), label: '', type: 'text', required: false }] })}
        >
          {F.addQuestion}
        </button>
      )}
    </fieldset>
  );
}

/** The services a service step offers: those ticked, or all when none is. */
function ServiceChoice({ step, set }: { step: Extract<Step, { kind: 'service' }>; set: (s: Step) => void }) {
  const services = useResource<List<{ id: string; name: string }>>('services');
  const chosen = step.serviceIds ?? [];
  const toggle = (id: string, on: boolean) => {
    const next = on ? [...chosen, id] : chosen.filter((x) => x !== id);
    set({ ...step, serviceIds: next.length ? next : undefined });
  };
  return (
    <fieldset class="plain">
      <legend>{F.services}</legend>
      <p class="hint">{F.servicesHint}</p>
      {services.data ? (
        services.data.items.map((svc) => (
          <CheckField key={svc.id} id={`fs-svc-${svc.id}`} label={svc.name} checked={chosen.includes(svc.id)} onChange={(v) => toggle(svc.id, v)} />
        ))
      ) : services.loading ? (
        <Loading />
      ) : (
        services.error && <ErrorBox error={services.error} retry={services.reload} />
      )}
    </fieldset>
  );
}

/** The fields of the step being edited, by its kind. */
function StepFields({ step, set, can }: { step: Step; set: (s: Step) => void; can: boolean }) {
  const titleRequired = step.kind === 'questions' || step.kind === 'consent';
  return (
    <fieldset disabled={!can} class="plain">
      <TextField
        id="fs-title"
        label={F.stepTitle}
        value={step.title ?? ''}
        onInput={(v) => set({ ...step, title: v } as Step)}
        hint={titleRequired ? undefined : F.defaultTitle(DEFAULT_TITLES[step.kind])}
        required={titleRequired}
      />
      {step.kind === 'service' && <ServiceChoice step={step} set={set} />}
      {step.kind === 'time' && (
        <TextField
          id="fs-days"
          label={F.days}
          type="number"
          min={1}
          max={31}
          value={String(step.days ?? 14)}
          onInput={(v) => set({ ...step, days: Number(v) || 14 })}
        />
      )}
      {step.kind === 'consent' && (
        <TextField id="fs-text" label={F.consentText} rows={6} value={step.text} onInput={(v) => set({ ...step, text: v })} />
      )}
      {step.kind === 'confirmation' && (
        <TextField id="fs-message" label={F.message} rows={3} value={step.message ?? ''} onInput={(v) => set({ ...step, message: v })} />
      )}
      {step.kind === 'questions' && <QuestionsFields step={step} set={set} can={can} />}
    </fieldset>
  );
}

/** A pause in typing this long renders the preview again: one request per burst of keys, not one per key. */
const PREVIEW_DEBOUNCE_MS = 300;
type Draft = { title: string; portal: string | null; steps: Step[] };

/**
 * The step being edited as customers will see it: the Admin API renders the unsaved draft (after a pause in typing)
 * with the flow page's template and branding, shown in a sandboxed frame (no scripts, forms or way out). Its srcdoc
 * keeps this page's policy, so the page's nonce is sent for the rendered style to carry.
 */
function StepPreview({ path, draft, index, label, nonce }: { path: string; draft: Draft; index: number; label: string; nonce?: string }) {
  const [html, setHtml] = useState<string | null>(null);
  const [problem, setProblem] = useState('');
  const latest = useRef(0);
  const asked = JSON.stringify({ ...draft, title: draft.title || undefined, index, nonce });
  useEffect(() => {
    const n = ++latest.current;
    const timer = setTimeout(async () => {
      try {
        const { html } = await api<{ html: string }>(`${path}/preview`, 'POST', JSON.parse(asked));
        if (n !== latest.current) return; // a newer draft was asked for meanwhile
        setHtml(html);
        setProblem('');
      } catch (err) {
        if (n === latest.current) setProblem(asApiError(err).description);
      }
    }, PREVIEW_DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [asked]);
  return (
    <section class="card preview" aria-labelledby="fp-h">
      <h2 id="fp-h">{F.preview}</h2>
      <p class="hint">{F.previewHint}</p>
      {problem && <p class="hint">{F.previewIncomplete(problem)}</p>}
      {html === null ? <Loading /> : <iframe title={F.previewFrame(index + 1, label)} sandbox="" srcdoc={html} data-testid="flow-preview" />}
    </section>
  );
}

function Editor({ boot, flow, path }: { boot: PageProps['boot']; flow: FlowView; path: string }) {
  const can = useCan('admin');
  const portals = useResource<List<PortalView>>('portals');
  const [saved, setSaved] = useState(flow);
  const [title, setTitle] = useState(flow.title);
  const [portal, setPortal] = useState(flow.portal ?? '');
  const [items, setItems] = useState(() => flow.steps.map(item));
  const [open, setOpen] = useState<string | null>(null);
  const [kind, setKind] = useState<Kind>('questions');
  const [busy, setBusy] = useState(false);
  const [status, setStatus] = useState('');
  const [error, setError] = useState<ApiError | null>(null);
  const del = useAction();
  useTitle(saved.title);

  const body = { title: title.trim(), portal: portal || null, steps: items.map((i) => stepBody(i.step)) };
  const dirty = JSON.stringify(body) !== JSON.stringify({ title: saved.title, portal: saved.portal, steps: saved.steps });
  const shown = useMemo(() => withInnerField(error), [error]); // one object per error: FormError focuses each new one
  const errors = fieldErrors(shown, topKey, true);
  const labels: Record<string, string> = { title: F.title, portal: F.portal, steps: F.steps };
  items.forEach((it, i) => {
    labels[`step-${i}`] = F.stepNumber(i + 1, stepLabel(it.step));
  });

  const change = (next: Item[]) => {
    setItems(next);
    setStatus('');
  };
  const setStep = (key: string, step: Step) => change(items.map((i) => (i.key === key ? { key, step } : i)));
  const editing = items.find((i) => i.key === open);

  /** Saves the draft when it changed; then, for `publish`, publishes it. */
  const submit = async (publish: boolean) => {
    setBusy(true);
    setError(null);
    setStatus(t.saving);
    try {
      let current = saved;
      if (dirty) {
        current = await api<FlowView>(path, 'PATCH', body);
        setSaved(current);
        setResource(path, current);
        invalidate('flows');
      }
      if (publish) {
        const v = await api<{ version: number }>(`${path}/versions`, 'POST');
        current = { ...current, version: v.version };
        setSaved(current);
        setResource(path, current);
        invalidate('flows');
        setStatus(F.publishedAs(v.version));
      } else setStatus(F.saved);
    } catch (err) {
      setStatus('');
      setError(asApiError(err));
    } finally {
      setBusy(false);
    }
  };

  const remove = () => {
    if (!confirm(F.deleteConfirm(saved.title))) return;
    void del.run(async () => {
      await api(path, 'DELETE');
      invalidate('flows');
      setNotice(F.deleted(saved.title));
      go('flows');
    });
  };

  return (
    <>
      <p class="back">
        <a href={href('flows')}>← {F.back}</a>
      </p>
      <div class="page-head">
        <Heading>{saved.title}</Heading>
        <span class="badge">{saved.version ? F.version(saved.version) : F.notPublished}</span>
      </div>
      {saved.version > 0 && (
        <p>
          <a class="break" href={flowAddress(boot, saved.slug)} target="_blank" rel="noopener" data-testid="live-flow">
            {flowAddress(boot, saved.slug)}
          </a>
        </p>
      )}
      <ReadOnlyNote />
      <form
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          void submit(false);
        }}
      >
        <FormError error={shown} keyOf={topKey} labels={labels} prefix="fl" plain />
        <section class="card" aria-labelledby="flow-h">
          <h2 id="flow-h" class="sr-only">
            {saved.title}
          </h2>
          <fieldset disabled={!can} class="plain grid2">
            <TextField id="fl-title" label={F.title} value={title} onInput={setTitle} error={errors.title} required />
            <SelectField
              id="fl-portal"
              label={F.portal}
              value={portal}
              onChange={setPortal}
              hint={F.portalHint}
              error={errors.portal}
              options={[
                ['', F.primaryPortal],
                ...(portals.data?.items ?? []).filter((p) => !p.primary).map((p): [string, string] => [p.slug, p.name]),
              ]}
            />
          </fieldset>
        </section>
        <section class="card" aria-labelledby="steps-h">
          <h2 id="steps-h">{F.steps}</h2>
          <p class="hint">{F.stepsIntro}</p>
          {errors.steps && (
            <p class="field-error" id="fl-steps" tabIndex={-1}>
              {errors.steps}
            </p>
          )}
          {items.length ? (
            <ReorderList
              items={items}
              keyOf={(i) => i.key}
              labelOf={(i) => stepLabel(i.step)}
              upLabel={F.up}
              downLabel={F.down}
              can={can}
              onMove={(from, to) => change(move(items, from, to))}
              testId="steps"
              class="sections"
            >
              {(it, i) => (
                <>
                  <span class="sec-label">
                    {i + 1}. {stepLabel(it.step)} <span class="badge">{F.kinds[it.step.kind]}</span>
                    {errors[`step-${i}`] && (
                      <span class="field-error" id={`fl-step-${i}`} tabIndex={-1}>
                        {' '}
                        {errors[`step-${i}`]}
                      </span>
                    )}
                  </span>
                  <button
                    type="button"
                    class="btn small"
                    aria-expanded={open === it.key ? 'true' : 'false'}
                    aria-controls="step-editor"
                    onClick={() => setOpen(open === it.key ? null : it.key)}
                  >
                    {F.edit(stepLabel(it.step))}
                  </button>
                  {can && (
                    <button
                      type="button"
                      class="btn small"
                      onClick={() => {
                        change(items.filter((x) => x.key !== it.key));
                        if (open === it.key) setOpen(null);
                      }}
                    >
                      {F.remove(stepLabel(it.step))}
                    </button>
                  )}
                </>
              )}
            </ReorderList>
          ) : (
            <p class="empty">{F.noSteps}</p>
          )}
          {can && (
            <div class="actions add-step">
              <SelectField
                id="fl-kind"
                label={F.addKind}
                value={kind}
                onChange={(v) => setKind(v as Kind)}
                options={KINDS.map((k) => [k, F.kinds[k]!])}
              />
              <button
                type="button"
                class="btn"
                onClick={() => {
                  const added = item(newStep(kind));
                  change([...items, added]);
                  setOpen(added.key);
                }}
              >
                {F.add}
              </button>
            </div>
          )}
        </section>
        {editing && (
          <div class="step-edit">
            <section class="card" id="step-editor" aria-labelledby="step-editor-h">
              <h2 id="step-editor-h">{F.editing(stepLabel(editing.step))}</h2>
              <StepFields step={editing.step} set={(s) => setStep(editing.key, s)} can={can} />
            </section>
            <StepPreview path={path} draft={body} index={items.indexOf(editing)} label={stepLabel(editing.step)} nonce={boot.nonce} />
          </div>
        )}
        {can && (
          <div class="actions">
            <button type="submit" class="btn" disabled={busy || !dirty}>
              {F.save}
            </button>
            <button type="button" class="btn primary" disabled={busy} aria-busy={busy ? 'true' : undefined} onClick={() => submit(true)}>
              {F.publish}
            </button>
            <Status text={status} />
          </div>
        )}
        {can && dirty && <p class="hint">{F.unsaved}</p>}
      </form>
      {can && (
        <section class="card" aria-labelledby="danger-h">
          <h2 id="danger-h">{F.delete}</h2>
          <button type="button" class="btn danger" disabled={del.busy} onClick={remove}>
            {F.delete}
          </button>
          <Alert text={del.error} />
        </section>
      )}
    </>
  );
}

export function FlowEditorPage({ boot, param }: PageProps) {
  const slug = param ?? '';
  const path = `flows/${encodeURIComponent(slug)}`;
  const { data, error, loading, reload } = useResource<FlowView>(path);
  useTitle(data?.title ?? t.nav.flows);
  if (data) return <Editor key={slug} boot={boot} flow={data} path={path} />;
  return (
    <>
      <p class="back">
        <a href={href('flows')}>← {F.back}</a>
      </p>
      <Heading>{t.nav.flows}</Heading>
      {loading ? <Loading /> : error && <ErrorBox error={error} retry={reload} />}
    </>
  );
}

function FormCard({ form }: { form: FormView }) {
  return (
    <article class="card" data-testid="form" data-id={form.id}>
      <h2>
        {form.title} <span class="muted">({F.forms.version(form.version)})</span>
      </h2>
      <p class="muted">
        {F.forms.submitted} <time dateTime={form.submittedAt}>{formatDateTime(form.submittedAt)}</time>
      </p>
      <FormAnswers form={form} words={F.forms} when={formatDateTime}>
        {form.bookingId && (
          <div>
            <dt>{F.forms.booking}</dt>
            <dd class="mono">{form.bookingId}</dd>
          </div>
        )}
      </FormAnswers>
    </article>
  );
}

/** A customer's sent forms (route `flows/customer/<id>`), refetched when the staff stream says one was sent. */
export function CustomerFormsPage({ boot, param }: PageProps) {
  const id = (param ?? '').replace(/^customer\//, '');
  const path = `customers/${encodeURIComponent(id)}/forms`;
  const { data, error, loading, reload } = useResource<List<FormView>>(path);
  useTitle(F.forms.title);
  // The event carries the form: it goes on top at once; after a gap in the stream, the list is fetched again.
  useLiveEvents(boot.bff, ['form'], (_, e) => {
    const ev = e as { customer?: string; form?: FormView } | undefined;
    if (!ev?.form) reload();
    else if (ev.customer === id && data) setResource(path, { items: [ev.form, ...data.items.filter((f) => f.id !== ev.form!.id)] });
    else if (ev.customer === id) reload();
  });
  return (
    <>
      <p class="back">
        <a
          href={href('bookings')}
          onClick={(e) => {
            if (history.length < 2) return; // opened on its own: bookings
            e.preventDefault();
            history.back();
          }}
        >
          ← {F.forms.back}
        </a>
      </p>
      <div class="page-head">
        <Heading>{F.forms.title}</Heading>
        <LiveIndicator />
      </div>
      <p class="muted">{F.forms.intro}</p>
      {data ? (
        data.items.length ? (
          <div data-testid="forms">
            {data.items.map((f) => (
              <FormCard key={f.id} form={f} />
            ))}
          </div>
        ) : (
          <p class="empty">{F.forms.empty}</p>
        )
      ) : loading ? (
        <Loading />
      ) : (
        error && <ErrorBox error={error} retry={reload} />
      )}
    </>
  );
}
