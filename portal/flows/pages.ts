// What the flow page (views/flow-step.hbs) shows for one step: its fields with what the customer gave before (or
// just posted), and each field's error, so a step's form works and explains itself without JavaScript.
import { toDecimal } from '../api/money/amounts.ts';
import * as runner from '../api/flows/runner.ts';
import { getPortal, primaryPortal } from '../api/portals/service.ts';
import { type Question, type Step, stepTitle } from '../api/flows/steps.ts';

type Options = {
  flowPath: string;
  loginUrl: string;
  logoutUrl: string;
  customer: { email: string } | undefined;
  errors: runner.StepInvalid | undefined;
  /** What was just posted (shown again when it was refused); else the saved answer. */
  form?: unknown;
};

/** A local date as people read it: "Monday 30 November". */
const dayName = (date: string) =>
  new Intl.DateTimeFormat('en-GB', { weekday: 'long', day: 'numeric', month: 'long', timeZone: 'UTC' }).format(new Date(`${date}T00:00:00Z`));

/** Each field's name in the error summary, and where its link takes the keyboard: the field, or its group's first choice. */
function fieldsOf(step: Step): Record<string, { label: string; id: string }> {
  switch (step.kind) {
    case 'questions':
      return Object.fromEntries(step.questions.map((q) => [q.id, { label: q.label, id: q.options ? `q-${q.id}-0` : `q-${q.id}` }]));
    case 'consent':
      return { agree: { label: 'Agreement', id: 'agree' }, signature: { label: 'Signature', id: 'signature' } };
    default:
      return { service: { label: 'Service', id: 'services' }, start: { label: 'Time', id: 'times' } };
  }
}

const asList = (v: unknown) => (Array.isArray(v) ? v.map(String) : v === undefined || v === null || v === false ? [] : [String(v)]);

function questionView(q: Question, given: Record<string, unknown>, errorOf: (field: string) => string | undefined) {
  const value = given[q.id];
  const picked = asList(value);
  return {
    id: q.id,
    fieldId: `q-${q.id}`,
    label: q.label,
    required: q.required,
    isText: q.type === 'text',
    isDate: q.type === 'date',
    isChoice: q.type === 'choice',
    isTick: q.type === 'checkbox' && !q.options,
    isTicks: q.type === 'checkbox' && !!q.options,
    long: q.type === 'text' && (q.maxLength ?? 2000) > 200,
    maxLength: q.maxLength ?? 2000,
    value: typeof value === 'string' ? value : '',
    ticked: value === true || value === 'yes',
    options: (q.options ?? []).map((o, i) => ({ value: o, id: `q-${q.id}-${i}`, checked: picked.includes(o) })),
    error: errorOf(q.id),
  };
}

/** A saved answer in plain words, for the confirmation's summary. */
function summaryOf(step: Step, answer: unknown): string[] {
  switch (step.kind) {
    case 'service':
      return [(answer as runner.ServiceAnswer).name];
    case 'time':
      return [(answer as runner.TimeAnswer).local];
    case 'sign-in':
      return [`Signed in as ${(answer as { email: string }).email}`];
    case 'consent':
      return [`Signed by ${(answer as runner.ConsentAnswer).signature}`];
    case 'questions': {
      const given = answer as Record<string, unknown>;
      return step.questions.map((q) => `${q.label}: ${asList(given[q.id]).join(', ') || '—'}`);
    }
    default:
      return [];
  }
}

/** The page's branding: the flow's portal's (the primary one unless the flow names another that exists). */
export async function brandOf(t: { id: string; name: string; slug: string }, portal: string | undefined) {
  const p = await (portal ? getPortal(t.id, portal).catch(() => primaryPortal(t.id, t.name)) : primaryPortal(t.id, t.name));
  return { name: t.name, slug: t.slug, primaryColor: p.branding.primaryColor, accentColor: p.branding.accentColor, logoUrl: p.branding.logoUrl };
}

/** A step's page: a run's, or a draft's with sample answers (preview.ts), which carries only steps, answers and title. */
export async function stepPage(org: string, run: runner.Answered & { version: { title: string } }, index: number, o: Options) {
  const step = run.steps[index]!;
  const fields = fieldsOf(step);
  const errors = ((o.errors?.details ?? []) as { field: string; message: string }[]).map((e) => ({
    ...e,
    label: fields[e.field]?.label,
    href: fields[e.field] ? `#${fields[e.field]!.id}` : undefined,
  }));
  const errorOf = (field: string) => errors.find((e) => e.field === field)?.message;
  const given = (o.form ?? run.answers[index] ?? {}) as Record<string, unknown>;
  const base = {
    title: stepTitle(step),
    flowTitle: run.version.title,
    stepNumber: index + 1,
    stepCount: run.steps.length,
    action: `${o.flowPath}/steps/${index}`,
    back: index > 0 ? `${o.flowPath}?step=${index - 1}` : undefined,
    errors,
    customer: o.customer,
    logoutUrl: o.logoutUrl,
  };
  switch (step.kind) {
    case 'service': {
      const chosen = given.service ?? (given as Partial<runner.ServiceAnswer>).serviceId;
      const services = (await runner.servicesOf(org, step)).map((s) => ({
        id: s.id,
        fieldId: `service-${s.id}`,
        name: s.name,
        description: s.description,
        detail: `${s.durationMinutes} minutes · ${toDecimal(s.price.amount, s.price.currency)} ${s.price.currency}`,
        checked: s.id === chosen,
      }));
      return { ...base, isService: true, services, error: errorOf('service') };
    }
    case 'time': {
      const times = await runner.timesOf(org, run, step);
      const chosen = given.start;
      const days = (times?.days ?? [])
        .filter((d) => d.slots.length)
        .slice(0, 7)
        .map((d) => ({
          date: dayName(d.date),
          slots: d.slots.map((s, i) => ({ start: s.start, label: s.local, fieldId: `t-${d.date}-${i}`, checked: s.start === chosen })),
        }));
      return { ...base, isTime: true, days, timeZone: times?.timeZone, service: runner.chosenService(run)?.name, error: errorOf('start') };
    }
    case 'sign-in':
      return { ...base, isSignIn: true, signInUrl: o.loginUrl, returnTo: o.flowPath };
    case 'questions':
      return { ...base, isQuestions: true, questions: step.questions.map((q) => questionView(q, given, errorOf)) };
    case 'consent':
      return {
        ...base,
        isConsent: true,
        text: step.text,
        signature: typeof given.signature === 'string' ? given.signature : '',
        agreed: given.agree === 'yes' || typeof given.signedAt === 'string',
        agreeError: errorOf('agree'),
        signatureError: errorOf('signature'),
      };
    case 'confirmation': {
      const summary = run.steps
        .slice(0, index)
        .map((s, i) => ({ title: stepTitle(s), lines: run.answers[i] === undefined ? [] : summaryOf(s, run.answers[i]) }));
      return { ...base, isConfirmation: true, summary, message: step.message, books: !!runner.chosenService(run) };
    }
  }
}
