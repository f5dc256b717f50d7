// The widgets: <portico-sign-in>, <portico-account> and <portico-flow flow="…">, in shadow DOM, styled through CSS
// custom properties (--portico-brand, --portico-brand-contrast, --portico-font, --portico-radius) that the portal's
// branding sets (init() loads it) and the page may override on any ancestor.
import { issuer, renders, signIn, signOut, user } from './client.ts';

const STYLE =
  ':host{font-family:var(--portico-font,system-ui,sans-serif)}[hidden]{display:none}' +
  'button,.button{font:inherit;cursor:pointer;display:inline-block;border:0;border-radius:var(--portico-radius,8px);padding:.5em 1em;' +
  'background:var(--portico-brand,#0f5cc0);color:var(--portico-brand-contrast,#fff);text-decoration:none}a{color:var(--portico-brand,#0f5cc0)}';

const displayName = () => {
  const u = user();
  return u && String(u.name ?? ([u.given_name, u.family_name].filter(Boolean).join(' ') || u.email || ''));
};

/** A widget: its shadow root, built once, and updated in place (focus stays where it is) whenever sign-in changes. */
abstract class Widget extends HTMLElement {
  root = this.attachShadow({ mode: 'open' });
  /** Answers the shadow content, built once. */
  abstract build(): Node[];
  abstract update(): void;
  private readonly refresh = () => this.update();
  connectedCallback() {
    if (!this.root.childNodes.length) this.root.append(Object.assign(document.createElement('style'), { textContent: STYLE }), ...this.build());
    renders.add(this.refresh);
    this.update();
  }
  disconnectedCallback() {
    renders.delete(this.refresh);
  }
  attributeChangedCallback() {
    if (this.isConnected) this.update();
  }
  label(name: string, fallback: string) {
    return this.getAttribute(name) ?? fallback;
  }
}

const element = <K extends keyof HTMLElementTagNameMap>(tag: K, part: string) => Object.assign(document.createElement(tag), { part });

/** A button that signs in (by popup) or, once signed in, signs out everywhere. Attributes: label, sign-out-label. */
class SignInButton extends Widget {
  static observedAttributes = ['label', 'sign-out-label'];
  button = element('button', 'button');
  build() {
    this.button.onclick = () => (user() ? signOut() : signIn()).catch(console.error);
    return [this.button];
  }
  update() {
    this.button.textContent = user() ? this.label('sign-out-label', 'Sign out') : this.label('label', 'Sign in');
  }
}

/** The signed-in customer's name and a link to their account in the portal; empty when signed out. Attribute: label. */
class Account extends Widget {
  static observedAttributes = ['label'];
  name = element('span', 'name');
  link = element('a', 'link');
  build() {
    return [this.name, document.createTextNode(' '), this.link];
  }
  update() {
    this.hidden = !user();
    this.name.textContent = displayName();
    this.link.textContent = this.label('label', 'Your account');
    this.link.href = `${issuer() ?? ''}/portal`;
  }
}

/** A link that opens one of the organisation's Customer Flows (`flow` is its slug); its content is the label. */
class Flow extends Widget {
  static observedAttributes = ['flow'];
  link = element('a', 'link');
  build() {
    this.link.className = 'button';
    this.link.append(Object.assign(document.createElement('slot'), { textContent: 'Start' }));
    return [this.link];
  }
  update() {
    const flow = this.getAttribute('flow');
    const base = issuer();
    if (base && flow) this.link.href = `${base}/flows/${encodeURIComponent(flow)}`;
    else this.link.removeAttribute('href');
  }
}

for (const [tag, widget] of [
  ['portico-sign-in', SignInButton],
  ['portico-account', Account],
  ['portico-flow', Flow],
] as const)
  if (!customElements.get(tag)) customElements.define(tag, widget);
