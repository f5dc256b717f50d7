// Policies are written in markdown by the business and shown to customers as HTML. Raw HTML in the source is
// escaped, not passed through, and links may only be http(s) or mailto: whatever is typed stays inert text.
import MarkdownIt from 'markdown-it';

const md = new MarkdownIt({ html: false, linkify: true, typographer: true });
const SAFE_LINK = /^(https?:|mailto:|#|\/(?!\/))/i;
md.validateLink = (url) => SAFE_LINK.test(url.trim());
const defaultLinkOpen = md.renderer.rules.link_open ?? ((tokens, idx, options, _env, self) => self.renderToken(tokens, idx, options));
md.renderer.rules.link_open = (tokens, idx, options, env, self) => {
  tokens[idx]!.attrSet('rel', 'noopener noreferrer nofollow');
  return defaultLinkOpen(tokens, idx, options, env, self);
};

export function renderMarkdown(source: string): string {
  return md.render(source);
}
