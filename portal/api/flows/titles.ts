// Default titles of the steps staff leave untitled: the flow pages show them, and the console's editor shows them
// as the hint (it imports this file, which imports nothing, so its bundle gains no server code).
export const DEFAULT_TITLES = {
  service: 'Choose a service',
  time: 'Choose a time',
  'sign-in': 'Sign in',
  questions: 'A few questions',
  consent: 'Consent',
  confirmation: 'Confirm',
} as const;
