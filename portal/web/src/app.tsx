import { useEffect, useRef } from 'preact/hooks';
import type { Boot, SectionInfo } from './boot.ts';
import { registry } from './sections/index.ts';
import type { PageProps, SectionDef } from './sections/types.ts';
import { useResources, type Resource } from '../../shared/store.ts';
import { subscribe } from '../../shared/live.ts';
import { signingOut } from '../../shared/api.ts';
import { href, useRoute } from './router.ts';
import { t } from './strings/index.ts';

type Candidate = { section: SectionInfo; paths: readonly string[] | null };

/** The data `isEmpty` takes: the one resource's, or (a section declaring several) each one's, in order. */
const dataOf = (def: SectionDef, rs: Resource<unknown>[]) => (typeof def.resource === 'string' ? rs[0]!.data : rs.map((r) => r.data));

/**
 * Sections the customer can see, in boot order. `pending` ones are hidden_when_empty sections whose data is
 * still loading: hidden from the nav, but still routable so a deep link does not bounce to home. One that empties
 * while the page is open (the last open tab paid) leaves the nav but stays routable, so its page stays put.
 * The section list can change while the page is open (live preview), so resources are subscribed as one list.
 */
function useSections(boot: Boot): { visible: SectionInfo[]; routable: SectionInfo[] } {
  const shown = useRef(new Set<string>());
  const candidates: Candidate[] = boot.portal.sections
    .filter((s) => s.available && s.state !== 'disabled' && registry[s.key])
    .map((s) => {
      const def = registry[s.key]!;
      const paths = def.resource === undefined ? [] : typeof def.resource === 'string' ? [def.resource] : def.resource;
      return { section: s, paths: s.state === 'hidden_when_empty' && def.isEmpty && paths.length ? paths : null };
    });
  const visible: SectionInfo[] = [];
  const routable: SectionInfo[] = [];
  const all = useResources(candidates.flatMap((c): (string | null)[] => (c.paths ? [...c.paths] : [null])));
  useSectionsLive(boot.bff, candidates);
  let at = 0;
  for (const c of candidates) {
    const rs = all.slice(at, at + (c.paths?.length ?? 1));
    at += rs.length;
    const def = registry[c.section.key]!;
    if (!c.paths) {
      visible.push(c.section);
      routable.push(c.section);
    } else if (rs.some((r) => r.data !== undefined) && !def.isEmpty!(dataOf(def, rs))) {
      // Shown as soon as one answer proves it has something; one that failed (a scope the session lacks) is no data.
      visible.push(c.section);
      routable.push(c.section);
      shown.current.add(c.section.key);
    } else if (rs.some((r) => r.loading) || shown.current.has(c.section.key)) {
      routable.push(c.section);
    }
  }
  return { visible, routable };
}

/** Sections whose data live events change are fetched again on those events, whichever page is open. */
function useSectionsLive(bff: string, candidates: Candidate[]): void {
  const defs = candidates.map((c) => registry[c.section.key]!.live).filter((l) => !!l);
  const events = [...new Set(defs.flatMap((l) => l.events))].sort().join();
  const latest = useRef(defs);
  latest.current = defs;
  useEffect(() => {
    if (!events) return;
    let wait: ReturnType<typeof setTimeout> | undefined;
    const arrived = new Set<string>();
    const off = subscribe(bff, events.split(','), (event) => {
      arrived.add(event);
      clearTimeout(wait);
      wait = setTimeout(() => {
        for (const l of latest.current) if (l.events.some((e) => arrived.has(e))) l.refresh();
        arrived.clear();
      }, 200);
    });
    return () => {
      clearTimeout(wait);
      off();
    };
  }, [bff, events]);
}

function resolve(route: { name: string; param?: string }, routable: SectionInfo[], boot: Boot) {
  const home: SectionInfo = boot.portal.sections.find((s) => s.key === 'home') ?? {
    key: 'home',
    label: t.homeFallback,
    state: 'enabled',
    available: true,
  };
  const direct = !route.param && routable.find((s) => s.key === route.name);
  if (direct) return { section: direct, Page: registry[direct.key]!.Page, active: direct.key };
  for (const s of routable) {
    const Sub = route.param ? registry[s.key]!.routes?.[route.name] : undefined;
    if (Sub) return { section: s, Page: Sub, active: s.key };
  }
  return { section: home, Page: registry.home!.Page, active: 'home' };
}

export function App({ boot }: { boot: Boot }) {
  const route = useRoute();
  const { visible, routable } = useSections(boot);
  const { section, Page, active } = resolve(route, routable, boot);
  const routeKey = `${route.name}/${route.param ?? ''}`;
  const first = useRef(true);

  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    document.getElementById('page-title')?.focus();
    scrollTo(0, 0);
  }, [routeKey]);

  const skip = (e: Event) => {
    e.preventDefault();
    (document.getElementById('page-title') ?? document.getElementById('main'))?.focus();
  };

  const props: PageProps = { section, boot, visible, param: route.param };
  const logo = boot.portal.branding.logoUrl;

  return (
    <>
      {/* biome-ignore lint/a11y/useValidAnchor: a skip link is a link; the handler only keeps the hash router from reading #main as a route */}
      <a class="skip" href="#main" onClick={skip}>
        {t.skipToContent}
      </a>
      <header class="top">
        <a class="brand" href="#/">
          {logo ? <img src={logo} alt={boot.org.name} /> : <span>{boot.org.name}</span>}
        </a>
        {boot.preview && <span class="preview-badge">{t.previewBanner}</span>}
        <form method="post" action={boot.logoutUrl} class="signout" onSubmit={signingOut}>
          <button type="submit" class="btn">
            {t.signOut}
          </button>
        </form>
      </header>
      <div class="layout">
        <nav aria-label={boot.portal.name || t.navLabel} class="nav">
          <ul>
            {visible.map((s) => (
              <li key={s.key}>
                <a href={href(s.key)} aria-current={s.key === active ? 'page' : undefined}>
                  {s.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <main id="main" tabIndex={-1}>
          <Page key={routeKey} {...props} />
        </main>
      </div>
    </>
  );
}
