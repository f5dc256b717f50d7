// A document as the PDF the customer downloads: branded with the primary portal's colours and logo, naming the
// business as its company page does (legal name, address, tax number).
import type { Tenant } from '../../../lib/tenants.ts';
import { getCompany } from '../company/service.ts';
import { primaryPortal } from '../portals/service.ts';
import type { createLogoFetcher } from './logo.ts';
import { renderDocumentPdf, type Seller } from './pdf.ts';
import { documentView, type DocumentView } from './service.ts';
import type { MoneyDoc } from './model.ts';

type Logos = ReturnType<typeof createLogoFetcher>;

async function sellerOf(tenant: Tenant, logos: Logos): Promise<Seller> {
  const [company, portal] = await Promise.all([getCompany(tenant.id, tenant.name), primaryPortal(tenant.id, tenant.name)]);
  const { logoUrl, primaryColor, accentColor } = portal.branding;
  const logo = logoUrl ? await logos.logo(logoUrl) : undefined;
  return { ...company, primaryColor, accentColor, ...(logo ? { logo } : {}) };
}

/** The PDF of `doc` and the file name to download it as. */
export async function printed(tenant: Tenant, doc: MoneyDoc, logos: Logos): Promise<{ pdf: Buffer; filename: string }> {
  const view: DocumentView = documentView(doc);
  const pdf = await renderDocumentPdf(view, await sellerOf(tenant, logos), { locale: tenant.locale });
  return { pdf, filename: `${doc.number}.pdf` };
}
