import type { Mail } from '../../lib/mailer.ts';
import type { Render } from '../../lib/views.ts';
import { brandingOf } from '../provider/configuration.ts';
import type { Organisation } from '../organisations/model.ts';
import { describeBrowser } from './user-agent.ts';

/** The sign-in code email: says who asks, when and from which browser, and what to do if it was not you. */
export function signInMail(render: Render, org: Organisation, to: string, code: string, userAgent: string | undefined, now = new Date()): Mail {
  const when = new Intl.DateTimeFormat(org.settings.locale || 'en', {
    dateStyle: 'full',
    timeStyle: 'long',
    timeZone: org.settings.timeZone || 'UTC',
  }).format(now);
  const data = { org: brandingOf(org), code, when, browser: describeBrowser(userAgent), minutes: 10 };
  return {
    to,
    subject: `${code} is your ${org.name} sign-in code`,
    text: render('emails/sign-in-code.text', data, org.slug),
    html: render('emails/sign-in-code.html', data, org.slug),
  };
}
