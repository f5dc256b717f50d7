// The steps a flow is made of, as data: their definitions (what staff design) and the answers a customer gives to
// each (what the flow page posts). Pure: no database, so the rules are tested and reused by the API and the page.
import { z } from 'zod';
import { catalogueId } from '../catalogue/service.ts';
import { DEFAULT_TITLES } from './titles.ts';

const title = z.string().trim().min(1).max(120);
const questionId = z.string().regex(/^[a-z][a-z0-9_-]{0,39}$/, 'use 1-40 lower-case letters, digits, _ and -, starting with a letter');
const option = z.string().trim().min(1).max(100);

export const QUESTION_TYPES = ['text', 'choice', 'checkbox', 'date'] as const;

/**
 * A question. `choice` picks one of `options`; `checkbox` ticks any of `options`, or is one tick box without them
 * (required: it must be ticked); `text` may say its length; `date` is YYYY-MM-DD.
 */
export const questionInput = z
  .strictObject({
    id: questionId,
    label: z.string().trim().min(1).max(200),
    type: z.enum(QUESTION_TYPES),
    required: z.boolean().default(false),
    options: z.array(option).min(1).max(30).optional(),
    minLength: z.number().int().min(1).max(5000).optional(),
    maxLength: z.number().int().min(1).max(5000).optional(),
  })
  .refine((q) => q.type !== 'choice' || q.options, { message: 'a choice needs options', path: ['options'] })
  .refine((q) => q.type === 'choice' || q.type === 'checkbox' || !q.options, {
    message: 'only choices and check boxes have options',
    path: ['options'],
  })
  .refine((q) => q.type === 'text' || (q.minLength === undefined && q.maxLength === undefined), {
    message: 'only text has a length',
    path: ['maxLength'],
  })
  .refine((q) => !q.options || new Set(q.options).size === q.options.length, { message: 'each option once', path: ['options'] });

export const stepInput = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('service'), title: title.optional(), serviceIds: z.array(catalogueId).min(1).max(50).optional() }),
  z.strictObject({ kind: z.literal('time'), title: title.optional(), days: z.number().int().min(1).max(31).default(14) }),
  z.strictObject({ kind: z.literal('sign-in'), title: title.optional() }),
  z.strictObject({
    kind: z.literal('questions'),
    title,
    questions: z
      .array(questionInput)
      .min(1)
      .max(50)
      .refine((qs) => new Set(qs.map((q) => q.id)).size === qs.length, 'each question id once'),
  }),
  z.strictObject({ kind: z.literal('consent'), title, text: z.string().trim().min(1).max(20_000) }),
  z.strictObject({ kind: z.literal('confirmation'), title: title.optional(), message: z.string().trim().max(2000).optional() }),
]);
export type Step = z.infer<typeof stepInput>;
export type StepKind = Step['kind'];
export type Question = z.infer<typeof questionInput>;

/** What makes a list of steps a journey that can end: the rules a published flow keeps. */
export function journeyProblems(steps: Step[]): string[] {
  const at = (kind: StepKind) => steps.findIndex((s) => s.kind === kind);
  const count = (kind: StepKind) => steps.filter((s) => s.kind === kind).length;
  const problems: string[] = [];
  for (const kind of ['service', 'time', 'sign-in', 'confirmation'] as const) if (count(kind) > 1) problems.push(`at most one ${kind} step`);
  if (steps.at(-1)?.kind !== 'confirmation') problems.push('the last step is the confirmation');
  // Answers land on a customer's record and a booking is a customer's, so the customer signs in before confirming.
  if (at('sign-in') < 0) problems.push('a flow needs a sign-in step before its confirmation');
  if (at('service') < 0 !== at('time') < 0) problems.push('a service step and a time step go together');
  else if (at('time') >= 0 && at('time') < at('service')) problems.push('the time step comes after the service step');
  return problems;
}

/** A draft's steps: each valid on its own; the journey rules are checked when it is published. */
export const stepsInput = z.array(stepInput).max(30);

export const stepTitle = (s: Step) => s.title ?? DEFAULT_TITLES[s.kind];

/** The answer to one question, from a form field (a string, or a list for several ticked options). */
function questionAnswer(q: Question, raw: unknown): { value?: string | string[] | boolean; error?: string } {
  const list = (Array.isArray(raw) ? raw : raw === undefined || raw === '' ? [] : [raw]).map(String);
  if (q.type === 'checkbox' && !q.options) {
    const ticked = list.length > 0;
    return q.required && !ticked ? { error: 'Tick this box to go on.' } : { value: ticked };
  }
  if (q.type === 'checkbox') {
    if (list.some((v) => !q.options!.includes(v))) return { error: 'Choose from the options given.' };
    return q.required && !list.length ? { error: 'Choose at least one.' } : { value: list };
  }
  if (list.length > 1) return { error: 'Give one answer.' };
  const text = (list[0] ?? '').trim();
  if (!text) return q.required ? { error: 'This is required.' } : {};
  if (q.type === 'choice' && !q.options!.includes(text)) return { error: 'Choose from the options given.' };
  if (q.type === 'date' && !z.iso.date().safeParse(text).success) return { error: 'Give a date as YYYY-MM-DD.' };
  if (q.type === 'text') {
    const max = q.maxLength ?? 2000;
    if (text.length > max) return { error: `At most ${max} characters.` };
    if (q.minLength && text.length < q.minLength) return { error: `At least ${q.minLength} characters.` };
  }
  return { value: text };
}

export type FieldError = { field: string; message: string };
export type QuestionAnswers = Record<string, string | string[] | boolean>;

/** Checks a questions step's form: the answers by question id, or what is wrong with each field. */
export function answerQuestions(questions: Question[], form: Record<string, unknown>): { answers: QuestionAnswers; errors: FieldError[] } {
  const answers: QuestionAnswers = {};
  const errors: FieldError[] = [];
  for (const q of questions) {
    const { value, error } = questionAnswer(q, form[q.id]);
    if (error) errors.push({ field: q.id, message: error });
    else if (value !== undefined) answers[q.id] = value;
  }
  return { answers, errors };
}

/** Checks a consent: agreed, and signed with a typed name (timestamped by the caller). */
export function answerConsent(form: Record<string, unknown>): { name?: string; errors: FieldError[] } {
  const errors: FieldError[] = [];
  const name = typeof form.signature === 'string' ? form.signature.trim() : '';
  if (form.agree !== 'yes') errors.push({ field: 'agree', message: 'Tick the box to agree.' });
  if (name.length < 2 || name.length > 120) errors.push({ field: 'signature', message: 'Type your full name to sign.' });
  return { name: errors.length ? undefined : name, errors };
}
