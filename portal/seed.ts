// The demo organisation's portal content, so the quick start shows a complete portal at once.
import { updateCompany, putPolicy } from './api/company/service.ts';
import { createPortal } from './api/portals/service.ts';

export async function seedDemoPortal(org: string, orgName: string): Promise<void> {
  await createPortal(org, {
    slug: 'main',
    name: `${orgName} — customer portal`,
    branding: { primaryColor: '#0e6b6b', accentColor: '#b3541e', fontFamily: 'Georgia, "Times New Roman", serif' },
  });
  await updateCompany(org, orgName, {
    name: 'Harbour Day Spa',
    address: '12 Quay Street\nFalmouth TR11 3HH\nUnited Kingdom',
    email: 'hello@harbour-spa.example',
    phone: '+44 1326 000000',
    website: 'https://harbour-spa.example',
    openingHours: 'Monday to Friday 9:00–20:00\nSaturday 9:00–18:00\nSunday closed',
  });
  await putPolicy(org, 'terms', '# Terms and conditions\n\nBookings are confirmed by email. Please arrive **10 minutes** early.\n\n- Treatments are for adults over 16.\n- Gift vouchers are valid for 12 months.');
  await putPolicy(org, 'privacy', '# Privacy policy\n\nWe keep your name, contact details and booking history to run your appointments. Ask us at hello@harbour-spa.example to see or delete them.');
  await putPolicy(org, 'refund', '# Refund policy\n\nCancel at least **24 hours** before your appointment for a full refund. Later cancellations are charged at 50 %.');
}
