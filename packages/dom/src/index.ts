// Portico for your website: sign customers in with your Portico identity provider (popup, PKCE, tokens in memory)
// and ready widgets. `import { init } from '@portico/dom'`, or the script-tag build's global `Portico`.
export { init, onChange, signIn, signOut, user, type Options, type User } from './client.ts';
import './elements.ts';
