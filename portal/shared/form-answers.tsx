// Shared by the browser apps: a form a finished flow left (the portal's `forms`, the console's customer forms) as
// its questions and answers. Each app brings its own words and its own way of writing an instant.
import type { ComponentChildren } from 'preact';

export type FormView = {
  id: string;
  flow: string;
  title: string;
  version: number;
  steps: { kind: string; title: string; answer?: unknown; questions?: { id: string; label: string; answer: unknown }[] }[];
  bookingId: string | null;
  submittedAt: string;
};

export type AnswerWords = { yes: string; no: string; agreed: string; signed: (name: string, at: string) => string };
type Props = { form: FormView; words: AnswerWords; when: (iso: string) => string; children?: ComponentChildren };

/** An answer as text: a list joined, a tick as yes or no, a chosen service or time by its name or start. */
function answerText(a: unknown, p: Props): string {
  if (a === null || a === undefined || a === '') return '—';
  if (typeof a === 'boolean') return a ? p.words.yes : p.words.no;
  if (Array.isArray(a)) return a.map((x) => answerText(x, p)).join(', ');
  if (typeof a === 'object') {
    const o = a as Record<string, unknown>;
    if (typeof o.start === 'string') return p.when(o.start);
    if (typeof o.name === 'string') return o.name;
    if (typeof o.email === 'string') return o.email;
    return (
      Object.values(o)
        .filter((v) => typeof v === 'string')
        .join(', ') || '—'
    );
  }
  return String(a);
}

/** The form's answers as a description list: each question, each step's choice, a waiver's typed signature and time. */
export function FormAnswers(p: Props) {
  return (
    <dl class="answers">
      {p.form.steps.map((s, i) =>
        s.kind === 'questions' ? (
          (s.questions ?? []).map((q) => (
            <div key={`${i}-${q.id}`}>
              <dt>{q.label}</dt>
              <dd>{answerText(q.answer, p)}</dd>
            </div>
          ))
        ) : s.kind === 'consent' ? (
          <div key={i}>
            <dt>
              {p.words.agreed}: {s.title}
            </dt>
            <dd>
              {(() => {
                const c = (s.answer ?? {}) as { signature?: string; signedAt?: string };
                return p.words.signed(c.signature ?? '—', c.signedAt ? p.when(c.signedAt) : '—');
              })()}
            </dd>
          </div>
        ) : (
          <div key={i}>
            <dt>{s.title}</dt>
            <dd>{answerText(s.answer, p)}</dd>
          </div>
        ),
      )}
      {p.children}
    </dl>
  );
}
