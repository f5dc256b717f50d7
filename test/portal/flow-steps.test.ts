// The rules of a flow's steps, without a database: what a publishable journey is, and how each question's answer
// from a form is checked (portal/api/flows/steps.ts).
import { expect } from 'chai';
import { answerConsent, answerQuestions, journeyProblems, type Question, type Step, stepsInput } from '../../portal/api/flows/steps.ts';

const q = (over: Partial<Question> & Pick<Question, 'id' | 'type'>): Question => ({ label: over.id, required: false, ...over });

describe('Flow steps', () => {
  describe('a publishable journey', () => {
    const signIn: Step = { kind: 'sign-in' };
    const confirm: Step = { kind: 'confirmation' };
    const service: Step = { kind: 'service' };
    const time: Step = { kind: 'time', days: 7 };

    it('ends with a confirmation after a sign-in, with a time after its service', () => {
      expect(journeyProblems([service, time, signIn, confirm])).to.deep.equal([]);
      expect(journeyProblems([signIn, confirm])).to.deep.equal([]);
    });

    it('names each rule a draft breaks', () => {
      expect(journeyProblems([signIn])).to.deep.equal(['the last step is the confirmation']);
      expect(journeyProblems([confirm])).to.deep.equal(['a flow needs a sign-in step before its confirmation']);
      expect(journeyProblems([service, signIn, confirm])).to.deep.equal(['a service step and a time step go together']);
      expect(journeyProblems([time, service, signIn, confirm])).to.deep.equal(['the time step comes after the service step']);
      expect(journeyProblems([signIn, signIn, confirm])).to.deep.equal(['at most one sign-in step']);
    });

    it('refuses an unknown kind, a choice without options and a question id twice', () => {
      expect(stepsInput.safeParse([{ kind: 'payment' }]).success).to.equal(false);
      expect(stepsInput.safeParse([{ kind: 'questions', title: 'Q', questions: [{ id: 'a', label: 'A', type: 'choice' }] }]).success).to.equal(false);
      const twice = [
        { id: 'a', label: 'A', type: 'text' },
        { id: 'a', label: 'B', type: 'date' },
      ];
      expect(stepsInput.safeParse([{ kind: 'questions', title: 'Q', questions: twice }]).success).to.equal(false);
      expect(
        stepsInput.safeParse([{ kind: 'questions', title: 'Q', questions: [{ id: 'a', label: 'A', type: 'date', maxLength: 3 }] }]).success,
      ).to.equal(false);
    });
  });

  describe('answers to questions', () => {
    const questions = [
      q({ id: 'name', type: 'text', required: true, maxLength: 5 }),
      q({ id: 'pick', type: 'choice', options: ['A', 'B'] }),
      q({ id: 'ticks', type: 'checkbox', options: ['X', 'Y'], required: true }),
      q({ id: 'ok', type: 'checkbox', required: true }),
      q({ id: 'day', type: 'date' }),
    ];

    it('keeps what is valid, typed: text trimmed, ticked options as a list, a tick box as true', () => {
      const { answers, errors } = answerQuestions(questions, { name: ' Ann ', pick: 'B', ticks: ['X', 'Y'], ok: 'yes', day: '2026-02-28' });
      expect(errors).to.deep.equal([]);
      expect(answers).to.deep.equal({ name: 'Ann', pick: 'B', ticks: ['X', 'Y'], ok: true, day: '2026-02-28' });
    });

    it('says what is wrong with each field', () => {
      const { errors } = answerQuestions(questions, { name: 'Annabel', pick: 'C', ticks: 'Z', day: '2026-02-30' });
      expect(errors).to.deep.equal([
        { field: 'name', message: 'At most 5 characters.' },
        { field: 'pick', message: 'Choose from the options given.' },
        { field: 'ticks', message: 'Choose from the options given.' },
        { field: 'ok', message: 'Tick this box to go on.' },
        { field: 'day', message: 'Give a date as YYYY-MM-DD.' },
      ]);
      expect(answerQuestions(questions, { name: ['a', 'b'] }).errors[0]).to.deep.equal({ field: 'name', message: 'Give one answer.' });
      expect(answerQuestions(questions, {}).errors.map((e) => e.field)).to.deep.equal(['name', 'ticks', 'ok']);
    });

    it('leaves an optional question unanswered when it is empty', () => {
      expect(answerQuestions([q({ id: 'day', type: 'date' })], { day: '' })).to.deep.equal({ answers: {}, errors: [] });
    });
  });

  it('takes a consent only agreed and signed with a name', () => {
    expect(answerConsent({ agree: 'yes', signature: ' Alex Example ' })).to.deep.equal({ name: 'Alex Example', errors: [] });
    expect(answerConsent({ signature: 'A' }).errors.map((e) => e.field)).to.deep.equal(['agree', 'signature']);
  });
});
