export type Boot = {
  org: { slug: string; name: string };
  staff: { sub: string; email: string; name?: string };
  bff: string;
  logoutUrl: string;
  loginUrl: string;
  portalUrl: string;
  /** The organisation's public address (`PUBLIC_URL/<org>`): where outside services, such as Stripe's webhooks, reach it. */
  issuer: string;
  /** This page's style nonce: a flow preview's srcdoc frame keeps the page's policy, so its style carries it. */
  nonce?: string;
};

export function readBoot(doc: Document = document): Boot {
  const el = doc.getElementById('admin-boot');
  if (!el?.textContent) throw new Error('admin-boot missing');
  const boot = JSON.parse(el.textContent) as Boot;
  if (!boot.org || typeof boot.bff !== 'string' || typeof boot.loginUrl !== 'string') throw new Error('admin-boot invalid');
  return boot;
}
