export type SectionKey = 'home' | 'book' | 'upcoming' | 'history' | 'tabs' | 'invoices' | 'payment-methods' | 'profile' | 'membership' | 'company';
export type SectionState = 'enabled' | 'disabled' | 'hidden_when_empty';
export type SectionInfo = { key: SectionKey; label: string; state: SectionState; available: boolean };

export type Boot = {
  org: { slug: string; name: string };
  portal: {
    slug: string;
    name: string;
    primary: boolean;
    branding: {
      logoUrl?: string;
      faviconUrl?: string;
      primaryColor: string;
      accentColor: string;
      fontFamily: string;
      theme: 'light' | 'dark';
    };
    sections: SectionInfo[];
  };
  customer: { sub: string; email: string; name?: string };
  bff: string;
  logoutUrl: string;
  loginUrl: string;
  /** Set by the server when the page is the admin console's live preview (`?preview=1` in its iframe). */
  preview?: boolean;
};

export type Portal = Boot['portal'];

export function readBoot(doc: Document = document): Boot {
  const el = doc.getElementById('portal-boot');
  if (!el?.textContent) throw new Error('portal-boot missing');
  const boot = JSON.parse(el.textContent) as Boot;
  if (!boot.portal || !Array.isArray(boot.portal.sections) || typeof boot.bff !== 'string') {
    throw new Error('portal-boot invalid');
  }
  return boot;
}
