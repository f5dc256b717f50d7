import { useEffect, useRef } from 'preact/hooks';
import { signingOut } from '../../shared/api.ts';
import type { Boot } from './boot.ts';
import { atLeast, type Me, type Role } from './types.ts';
import { useResource } from '../../shared/store.ts';
import { href, useRoute, type Route } from './router.ts';
import { ErrorBox, Heading, Loading, RoleBadge, RoleContext, lazyUi, useTitle } from './ui.tsx';
import { lazy } from '../../shared/lazy.tsx';
import { AppsPage, AppDetailPage, NewAppPage } from './pages/apps.tsx';
import { PortalsPage } from './pages/portals.tsx';
import { PortalEditorPage } from './pages/portal-editor.tsx';
import { CompanyPage } from './pages/company.tsx';
import { StaffPage } from './pages/staff.tsx';
import { AuditPage } from './pages/audit.tsx';
import { BookingsPage } from './pages/bookings.tsx';
import { t } from './strings/index.ts';

export type PageProps = { boot: Boot; me: Me; param?: string };

/** The pages, with the least role that may see each (the Admin API refuses the others theirs). */
const NAV: readonly (readonly [name: string, label: string, need?: Role])[] = [
  ['apps', t.nav.apps],
  ['portals', t.nav.portals],
  ['flows', t.nav.flows],
  ['company', t.nav.company],
  ['catalogue', t.nav.catalogue],
  ['bookings', t.nav.bookings],
  ['tabs', t.nav.tabs],
  ['invoices', t.nav.invoices],
  ['plans', t.nav.plans],
  ['packs', t.nav.packs],
  ['members', t.nav.members],
  ['payments', t.nav.payments, 'admin'],
  ['staff', t.nav.staff],
  ['audit', t.nav.audit],
];

/**
 * Pages a first visit seldom needs come in chunks of their own, fetched when one of them is first opened, so the
 * console's first download stays within its budget: the money pages (a business that takes no payments through
 * Portico never downloads them), the membership pages, the catalogue (set up once, then seldom changed) and the flows.
 */
const money = lazy(() => import('./pages/money.ts'), lazyUi);
const PaymentsPage = money('PaymentsPage');
const TabsPage = money('TabsPage');
const TabPage = money('TabPage');
const InvoicesPage = money('InvoicesPage');
const InvoicePage = money('InvoicePage');
const memberships = lazy(() => import('./pages/memberships.ts'), lazyUi);
const PlansPage = memberships('PlansPage');
const PlanPage = memberships('PlanPage');
const PacksPage = memberships('PacksPage');
const PackPage = memberships('PackPage');
const MembersPage = memberships('MembersPage');
const MemberPage = memberships('MemberPage');
const CataloguePage = lazy(() => import('./pages/catalogue.tsx'), lazyUi)('CataloguePage');
const flows = lazy(() => import('./pages/flows.tsx'), lazyUi);
const FlowsPage = flows('FlowsPage');
const FlowEditorPage = flows('FlowEditorPage');
const CustomerFormsPage = flows('CustomerFormsPage');

function page(route: Route) {
  switch (route.name) {
    case 'apps':
      return route.param === 'new' ? NewAppPage : route.param ? AppDetailPage : AppsPage;
    case 'portals':
      return route.param ? PortalEditorPage : PortalsPage;
    case 'flows':
      // A customer's forms live here too (`flows/customer/<id>`): a flow's slug never has a slash.
      return route.param?.startsWith('customer/') ? CustomerFormsPage : route.param ? FlowEditorPage : FlowsPage;
    case 'company':
      return CompanyPage;
    case 'catalogue':
      return CataloguePage;
    case 'bookings':
      return BookingsPage;
    case 'tabs':
      return route.param ? TabPage : TabsPage;
    case 'invoices':
      return route.param ? InvoicePage : InvoicesPage;
    case 'plans':
      return route.param ? PlanPage : PlansPage;
    case 'packs':
      return route.param ? PackPage : PacksPage;
    case 'members':
      return route.param ? MemberPage : MembersPage;
    case 'payments':
      return PaymentsPage;
    case 'staff':
      return StaffPage;
    case 'audit':
      return AuditPage;
    default:
      return AppsPage;
  }
}

function SignOut({ boot }: { boot: Boot }) {
  return (
    <form method="post" action={boot.logoutUrl} class="signout" onSubmit={signingOut}>
      <button type="submit" class="btn">
        {t.signOut}
      </button>
    </form>
  );
}

function NoAccess({ boot }: { boot: Boot }) {
  useTitle('');
  return (
    <main id="main" class="solo">
      <Heading>{t.noAccess.title(boot.org.name)}</Heading>
      <p>{t.noAccess.body}</p>
      <SignOut boot={boot} />
    </main>
  );
}

export function App({ boot }: { boot: Boot }) {
  const route = useRoute();
  const me = useResource<Me>('me');
  const routeKey = `${route.name}/${route.param ?? ''}`;
  const first = useRef(true);

  useEffect(() => {
    if (!route.name || !NAV.some(([k]) => k === route.name)) history.replaceState(null, '', href('apps'));
  }, [routeKey]);

  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    document.getElementById('page-title')?.focus();
    scrollTo(0, 0);
  }, [routeKey]);

  if (me.error?.status === 403) return <NoAccess boot={boot} />;

  const skip = (e: Event) => {
    e.preventDefault();
    (document.getElementById('page-title') ?? document.getElementById('main'))?.focus();
  };
  const active = NAV.some(([k]) => k === route.name) ? route.name : 'apps';
  const Page = page(route);

  return (
    <>
      {/* biome-ignore lint/a11y/useValidAnchor: a skip link is a link; the handler only keeps the hash router from reading #main as a route */}
      <a class="skip" href="#main" onClick={skip}>
        {t.skipToContent}
      </a>
      <header class="top">
        <a class="brand" href={href('apps')}>
          <span class="org">{boot.org.name}</span>
          <span class="product">{t.appName}</span>
        </a>
        <div class="who">
          <span class="who-email break">
            <span class="sr-only">{t.signedInAs} </span>
            {me.data?.email ?? boot.staff.email}
          </span>
          {me.data && <RoleBadge role={me.data.role} />}
        </div>
        <SignOut boot={boot} />
      </header>
      <div class="layout">
        <nav aria-label={t.navLabel} class="nav">
          <ul>
            {NAV.filter(([k, , need]) => k === active || !need || (!!me.data && atLeast(me.data.role, need))).map(([k, label]) => (
              <li key={k}>
                <a href={href(k)} aria-current={k === active ? 'page' : undefined}>
                  {label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <main id="main" tabIndex={-1}>
          {me.data ? (
            <RoleContext.Provider value={me.data.role}>
              <Page key={routeKey} boot={boot} me={me.data} param={route.param} />
            </RoleContext.Provider>
          ) : me.loading ? (
            <Loading />
          ) : (
            me.error && <ErrorBox error={me.error} retry={me.reload} />
          )}
        </main>
      </div>
    </>
  );
}
