import type { Mail } from '../../lib/mailer.ts';
import type { Render } from '../../lib/views.ts';
import { brandingOf } from '../provider/configuration.ts';
import type { Organisation } from '../organisations/model.ts';
import { describeBrowser } from './user-agent.ts';

const PURPOSES = {
  'sign-in': { template: 'emails/sign-in-code', subject: (code: string, org: string) => `${code} is your ${org} sign-in code` },
  'email-change': { template: 'emails/email-change-code', subject: (code: string, org: string) => `${code} confirms your new ${org} email address` },
};

/** A code email (sign-in, or confirming a new address): says who asks, when and from which browser, and what to do if it was not you. */
export function codeMail(
  render: Render,
  org: Organisation,
  purpose: keyof typeof PURPOSES,
  to: string,
  code: string,
  userAgent: string | undefined,
  now = new Date(),
): Mail {
  const { template, subject } = PURPOSES[purpose];
  const when = new Intl.DateTimeFormat(org.settings.locale || 'en', {
    dateStyle: 'full',
    timeStyle: 'long',
    timeZone: org.settings.timeZone || 'UTC',
  }).format(now);
  const data = { org: brandingOf(org), code, when, browser: describeBrowser(userAgent), minutes: 10 };
  return {
    to,
    subject: subject(code, org.name),
    text: render(`${template}.text`, data, org.slug),
    html: render(`${template}.html`, data, org.slug),
  };
}
