// A customer going through a flow: their run of one published version, saved after each step so they can leave and
// come back, and finished by a confirmation that makes the booking (bookings service) and puts the answers on the
// customer's record (a form, with its domain event, in one transaction).
import { randomId } from '../../../lib/crypto.ts';
import { Conflict, HttpError, NotFound } from '../../../lib/errors.ts';
import { inTransaction, type Tx } from '../../../lib/transaction.ts';
import { bookable, getAvailability } from '../availability/service.ts';
import { addDays, today } from '../availability/zoned.ts';
import { createBooking } from '../bookings/service.ts';
import { listServices } from '../catalogue/service.ts';
import type { PaymentDeps } from '../payments/stripe.ts';
import { type Flow, FlowModel, type FlowProgress, FlowProgressModel, type FlowVersion, FlowVersionModel, type Form, FormModel } from './model.ts';
import { formView } from './service.ts';
import { answerConsent, answerQuestions, type FieldError, type Step, stepTitle } from './steps.ts';

/** Whose run it is: a signed-in customer, or the flow page's anonymous cookie until they sign in. */
export const customerOwner = (sub: string) => `customer:${sub}`;
export const anonymousOwner = (id: string) => `anonymous:${id}`;

export type ServiceAnswer = { serviceId: string; name: string };
export type TimeAnswer = { start: string; local: string };
export type ConsentAnswer = { signature: string; signedAt: string; text: string };
export type Answers = Record<number, unknown>;

export type Run = { flow: Flow; version: FlowVersion; steps: Step[]; progress: FlowProgress; answers: Answers };
/** What a step's page reads of a run: its steps and answers (a draft's preview has no more). */
export type Answered = Pick<Run, 'steps' | 'answers'>;

/** A customer's input that is not right: the step's page shows it again with these messages. */
export class StepInvalid extends HttpError {
  constructor(errors: FieldError[]) {
    super(422, 'invalid_answer', errors.map((e) => e.message).join(' '), errors);
  }
}

const runOf = (flow: Flow, version: FlowVersion, progress: FlowProgress): Run => ({
  flow,
  version,
  steps: JSON.parse(version.steps) as Step[],
  progress,
  answers: JSON.parse(progress.answers) as Answers,
});

async function publishedFlow(org: string, slug: string): Promise<Flow> {
  const flow = await FlowModel.findOne({ org, slug }).lean<Flow>();
  if (!flow?.version) throw new NotFound('There is no such flow here.');
  return flow;
}

async function versionOf(org: string, flow: Flow, version: number): Promise<FlowVersion> {
  const found = await FlowVersionModel.findOne({ org, flow: flow._id, version }).lean<FlowVersion>();
  if (!found) throw new NotFound('There is no such flow here.');
  return found;
}

/** How long an open run waits for its customer to come back: long enough to sleep on a form, not forever. */
export const RUN_KEPT_MS = 30 * 24 * 3_600_000;

/** An open run's change: its time, and its expiry pushed back. */
const touched = (at = Date.now()) => ({ updatedAt: new Date(at), expiresAt: new Date(at + RUN_KEPT_MS) });

/** The owner's open run, unless it expired (the TTL index removes it only a while later). */
const openRunOf = (org: string, owner: string, flow: string) =>
  FlowProgressModel.findOne({ org, owner, flow, status: 'open', expiresAt: { $gt: new Date() } }).lean<FlowProgress>();

/**
 * The owner's run of the flow: the one they left (on the version they started, even if a newer one was published
 * since), else a new one on the newest version (`begin` false: a 409 instead).
 */
export async function openRun(org: string, slug: string, owner: string, begin = true): Promise<Run> {
  const flow = await publishedFlow(org, slug);
  let progress = await openRunOf(org, owner, flow._id);
  // A step posted to a run that is no longer open (finished meanwhile, e.g. by a second click, or expired) begins nothing.
  if (!progress && !begin) throw new Conflict('This flow was already finished or left too long. Open it again to start over.');
  if (!progress) {
    const at = Date.now();
    progress = {
      _id: `fr_${randomId(12)}`,
      org,
      owner,
      flow: flow._id,
      version: flow.version,
      step: 0,
      answers: '{}',
      status: 'open',
      createdAt: new Date(at),
      ...touched(at),
    };
    await FlowProgressModel.create(progress);
  }
  return runOf(flow, await versionOf(org, flow, progress.version), progress);
}

/**
 * The customer signed in during the flow: the run they made anonymously becomes theirs (replacing one they had left
 * earlier, which this newer one supersedes).
 */
export async function adoptRun(org: string, slug: string, anonymous: string, customer: string): Promise<void> {
  const flow = await FlowModel.findOne({ org, slug }).lean<Flow>();
  if (!flow) return;
  const anon = await openRunOf(org, anonymous, flow._id);
  if (!anon) return;
  await FlowProgressModel.deleteMany({ org, owner: customer, flow: flow._id, status: 'open' });
  await FlowProgressModel.updateOne({ _id: anon._id, org, owner: anonymous }, { $set: { owner: customer, ...touched() } });
}

/** Saves a step's answer and moves on to the next step; a run that is no longer open (finished elsewhere) is a 409. */
async function saveAnswer(org: string, run: Run, index: number, answer: unknown): Promise<void> {
  const answers = { ...run.answers, [index]: answer };
  const done = await FlowProgressModel.updateOne(
    { _id: run.progress._id, org, status: 'open' },
    { $set: { answers: JSON.stringify(answers), step: index + 1, ...touched() } },
  );
  if (!done.matchedCount) throw new Conflict('This flow was already finished.');
}

/** The services a service step offers: the ones it names, or every active one. */
export async function servicesOf(org: string, step: Extract<Step, { kind: 'service' }>) {
  const active = await listServices(org, { activeOnly: true });
  return step.serviceIds ? active.filter((s) => step.serviceIds!.includes(s.id)) : active;
}

/** The service chosen earlier in the run (a time step follows a service step: steps.ts). */
export function chosenService(run: Answered): ServiceAnswer | undefined {
  const index = run.steps.findIndex((s) => s.kind === 'service');
  return index >= 0 ? (run.answers[index] as ServiceAnswer | undefined) : undefined;
}

/** The free starts a time step offers: from today, `days` days, for the chosen service. */
export async function timesOf(org: string, run: Answered, step: Extract<Step, { kind: 'time' }>, now = Date.now()) {
  const service = chosenService(run);
  if (!service) return undefined;
  const { timeZone } = await bookable(org, service.serviceId);
  const from = today(now, timeZone);
  return getAvailability(org, { service: service.serviceId, from, to: addDays(from, step.days - 1) }, {}, now);
}

/**
 * Checks and saves the answer to the run's current step from its posted form. A sign-in step is answered by the
 * caller once the customer is signed in (`customer`); a confirmation is `confirmRun`.
 */
export async function answerStep(org: string, run: Run, index: number, form: Record<string, unknown>, customer?: { email: string }) {
  const step = run.steps[index];
  if (!step || index > run.progress.step) throw new NotFound('That step is not open yet.');
  switch (step.kind) {
    case 'service': {
      const chosen = (await servicesOf(org, step)).find((s) => s.id === form.service);
      if (!chosen) throw new StepInvalid([{ field: 'service', message: 'Choose one of the services.' }]);
      return saveAnswer(org, run, index, { serviceId: chosen.id, name: chosen.name } satisfies ServiceAnswer);
    }
    case 'time': {
      const times = typeof form.start === 'string' ? await timesOf(org, run, step) : undefined;
      const slot = times?.days.flatMap((d) => d.slots).find((s) => s.start === form.start);
      if (!slot) throw new StepInvalid([{ field: 'start', message: 'Choose one of the times offered.' }]);
      return saveAnswer(org, run, index, { start: slot.start, local: slot.local } satisfies TimeAnswer);
    }
    case 'sign-in':
      if (!customer) throw new HttpError(401, 'login_required', 'Sign in to go on.');
      return saveAnswer(org, run, index, { email: customer.email });
    case 'questions': {
      const { answers, errors } = answerQuestions(step.questions, form);
      if (errors.length) throw new StepInvalid(errors);
      return saveAnswer(org, run, index, answers);
    }
    case 'consent': {
      const { name, errors } = answerConsent(form);
      if (errors.length) throw new StepInvalid(errors);
      return saveAnswer(org, run, index, { signature: name!, signedAt: new Date().toISOString(), text: step.text } satisfies ConsentAnswer);
    }
    case 'confirmation':
      throw new NotFound('Confirm with the confirmation step.');
  }
}

/** The run's answers as they go on the customer's record: each answered step's kind, title and answer. */
type RecordedStep = { kind: Step['kind']; title: string; answer?: unknown; questions?: { id: string; label: string; answer: unknown }[] };
function recordOf(run: Run): RecordedStep[] {
  return run.steps.flatMap((step, i): RecordedStep[] => {
    if (step.kind === 'confirmation' || run.answers[i] === undefined) return [];
    const answer = run.answers[i];
    if (step.kind === 'questions') {
      const given = answer as Record<string, unknown>;
      const questions = step.questions.map((q) => ({ id: q.id, label: q.label, answer: given[q.id] ?? null }));
      return [{ kind: step.kind, title: stepTitle(step), questions }];
    }
    return [{ kind: step.kind, title: stepTitle(step), answer }];
  });
}

/**
 * Finishes the run: makes the booking when a service and a time were chosen, records the form and its event, and
 * closes the run, all in one transaction (the booking's), so none is made without the others. Two confirmations
 * racing write the same run: the loser finds it closed and is a 409, its booking undone. A time taken meanwhile
 * sends the customer back to choose another (the booking service says so: 409 slot_taken, 422 slot_not_offered).
 */
export async function confirmRun(deps: PaymentDeps, org: string, run: Run, customer: { sub: string; email: string }) {
  const index = run.steps.length - 1;
  if (run.progress.step < index || run.progress.status !== 'open') throw new NotFound('That step is not open yet.');
  const form: Form = {
    _id: `fm_${randomId(12)}`,
    org,
    customer: customer.sub,
    flow: run.flow._id,
    flowSlug: run.flow.slug,
    title: run.version.title,
    version: run.version.version,
    steps: JSON.stringify(recordOf(run)),
    submittedAt: new Date(),
  };
  const record = async (tx: Tx, bookingId?: string) => {
    const sent = { ...form, ...(bookingId ? { bookingId } : {}) };
    const closed = await FlowProgressModel.updateOne(
      { _id: run.progress._id, org, status: 'open' },
      // A finished run holds the form's link: it stays.
      { $set: { status: 'done', form: form._id, updatedAt: new Date() }, $unset: { expiresAt: 1 } },
      { session: tx.session },
    );
    if (!closed.modifiedCount) throw new Conflict('This flow was already finished.');
    await FormModel.create([sent], { session: tx.session });
    tx.emit({ type: 'form.submitted', subject: form._id, customer: customer.sub, data: { form: formView(sent) } });
    form.bookingId = bookingId;
  };
  const service = chosenService(run);
  const timeIndex = run.steps.findIndex((s) => s.kind === 'time');
  if (service && timeIndex >= 0) {
    const time = run.answers[timeIndex] as TimeAnswer;
    try {
      await createBooking(
        deps,
        org,
        { serviceId: service.serviceId, start: Date.parse(time.start) },
        { kind: 'customer', customerId: customer.sub, email: customer.email },
        Date.now(),
        (tx, booking) => record(tx, booking._id),
      );
    } catch (err) {
      if (err instanceof HttpError && (err.code === 'slot_taken' || err.code === 'slot_not_offered'))
        await FlowProgressModel.updateOne({ _id: run.progress._id, org, status: 'open' }, { $set: { step: timeIndex, ...touched() } });
      throw err;
    }
  } else {
    await inTransaction(org, (tx) => record(tx));
  }
  return { form: formView(form), bookingId: form.bookingId };
}

/** The form a finished run left (its confirmation page), the owner's own only. */
export async function finishedForm(org: string, slug: string, owner: string, formId: string) {
  const flow = await publishedFlow(org, slug);
  const run = await FlowProgressModel.findOne({ org, owner, flow: flow._id, status: 'done', form: formId }).lean<FlowProgress>();
  const form = run && (await FormModel.findOne({ _id: formId, org }).lean<Form>());
  if (!form) throw new NotFound('There is no such form here.');
  return { flow, form: formView(form) };
}
