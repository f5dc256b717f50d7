import { useEffect, useRef, useState } from 'preact/hooks';
import type { PageProps } from '../app.tsx';
import { api, asApiError, type ApiError } from '../../../shared/api.ts';
import { setResource, useResource, invalidate } from '../../../shared/store.ts';
import { href } from '../router.ts';
import type { Branding, PortalView, Section, SectionState } from '../types.ts';
import { Alert, ErrorBox, FormError, Heading, Loading, ReadOnlyNote, SelectField, Status, TextField, fieldErrors, useCan, useTitle } from '../ui.tsx';
import { portalAddress, useDeletePortal } from './portals.tsx';
import { t } from '../strings/index.ts';
import { move, ReorderList } from '../reorder.tsx';

const P = t.portals;
const STATES: SectionState[] = ['enabled', 'disabled', 'hidden_when_empty'];
/** The server's default labels: a section whose label is its default is saved without one, so it follows renames. */
const DEFAULT_LABELS: Record<string, string> = {
  home: 'Home',
  book: 'Book',
  upcoming: 'Upcoming bookings',
  history: 'Booking history',
  tabs: 'Open tabs',
  invoices: 'Invoices and receipts',
  'payment-methods': 'Payment methods',
  profile: 'Profile',
  membership: 'Membership',
  company: 'Company and policies',
};

type Brand = {
  name: string;
  primaryColor: string;
  accentColor: string;
  fontFamily: string;
  theme: 'light' | 'dark';
  logoUrl: string;
  faviconUrl: string;
};
type BrandKey = keyof Brand;
const BRAND_KEYS: BrandKey[] = ['name', 'primaryColor', 'accentColor', 'fontFamily', 'theme', 'logoUrl', 'faviconUrl'];

const toBrand = (p: PortalView): Brand => ({
  name: p.name,
  primaryColor: p.branding.primaryColor,
  accentColor: p.branding.accentColor,
  fontFamily: p.branding.fontFamily,
  theme: p.branding.theme,
  logoUrl: p.branding.logoUrl ?? '',
  faviconUrl: p.branding.faviconUrl ?? '',
});

const HEX = /^#[0-9a-f]{6}$/i;

/** What the preview shows: the draft where it is usable, the saved value where it is not (yet). */
function previewBranding(d: Brand, saved: Branding): Branding {
  const b: Branding = {
    primaryColor: HEX.test(d.primaryColor.trim()) ? d.primaryColor.trim().toLowerCase() : saved.primaryColor,
    accentColor: HEX.test(d.accentColor.trim()) ? d.accentColor.trim().toLowerCase() : saved.accentColor,
    fontFamily: d.fontFamily.trim() || saved.fontFamily,
    theme: d.theme,
  };
  if (d.logoUrl.trim()) b.logoUrl = d.logoUrl.trim();
  if (d.faviconUrl.trim()) b.faviconUrl = d.faviconUrl.trim();
  return b;
}

/** PATCH body: what changed since the last save; an emptied URL is null (cleared). */
function brandPatch(base: Brand, d: Brand): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const branding: Record<string, unknown> = {};
  if (d.name.trim() !== base.name) out.name = d.name.trim();
  for (const k of ['primaryColor', 'accentColor', 'fontFamily', 'theme'] as const) {
    if (d[k].trim() !== base[k]) branding[k] = d[k].trim();
  }
  for (const k of ['logoUrl', 'faviconUrl'] as const) if (d[k].trim() !== base[k]) branding[k] = d[k].trim() || null;
  if (Object.keys(branding).length) out.branding = branding;
  return out;
}

const brandKeyOf = (path: string[]): string | undefined => {
  const k = path[0] === 'branding' ? path[1] : path[0];
  return k && (BRAND_KEYS as string[]).includes(k) ? k : undefined;
};

const withoutWarnings = ({ warnings: _, ...p }: PortalView): PortalView => p;

function ColorField({
  k,
  value,
  fallback,
  onInput,
  error,
}: {
  k: 'primaryColor' | 'accentColor';
  value: string;
  fallback: string;
  onInput: (v: string) => void;
  error?: string;
}) {
  const id = `pb-${k}`;
  const label = P.fields[k]!;
  return (
    <div class={`field${error ? ' invalid' : ''}`}>
      <label for={id}>{label}</label>
      <div class="color-row">
        <input
          type="color"
          aria-label={P.picker(label.replace(/ colour$/, ''))}
          value={HEX.test(value.trim()) ? value.trim().toLowerCase() : fallback}
          onInput={(e) => onInput(e.currentTarget.value)}
        />
        <input
          id={id}
          type="text"
          class="mono"
          value={value}
          maxLength={7}
          spellcheck={false}
          autoComplete="off"
          aria-invalid={error ? 'true' : undefined}
          aria-describedby={error ? `${id}-err` : undefined}
          onInput={(e) => onInput(e.currentTarget.value)}
        />
      </div>
      {error && (
        <span id={`${id}-err`} class="field-error">
          {error}
        </span>
      )}
    </div>
  );
}

function BrandingForm({
  path,
  saved,
  draft,
  setDraft,
  onSaved,
}: {
  path: string;
  saved: PortalView;
  draft: Brand;
  setDraft: (f: (d: Brand) => Brand) => void;
  onSaved: (p: PortalView) => void;
}) {
  const can = useCan('admin');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [status, setStatus] = useState('');
  const [warnings, setWarnings] = useState<string[]>([]);
  const errors = fieldErrors(error, brandKeyOf);
  const base = toBrand(saved);
  const dirty = Object.keys(brandPatch(base, draft)).length > 0;
  const set = (k: BrandKey, v: string) => {
    setDraft((d) => ({ ...d, [k]: v }));
    setStatus('');
  };

  const onSubmit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    setWarnings([]);
    const body = brandPatch(base, draft);
    if (!Object.keys(body).length) {
      setStatus(t.apps.noChanges);
      return;
    }
    setBusy(true);
    setStatus(t.saving);
    try {
      const p = await api<PortalView>(path, 'PATCH', body);
      setWarnings(p.warnings ?? []);
      onSaved(withoutWarnings(p));
      setStatus(P.brandingSaved);
    } catch (err) {
      setStatus('');
      setError(asApiError(err));
    } finally {
      setBusy(false);
    }
  };

  const text = (k: 'name' | 'fontFamily' | 'logoUrl' | 'faviconUrl', type = 'text') => (
    <TextField id={`pb-${k}`} label={P.fields[k]!} type={type} value={draft[k]} onInput={(v) => set(k, v)} error={errors[k]} />
  );

  return (
    <form onSubmit={onSubmit} noValidate>
      <FormError error={error} keyOf={brandKeyOf} labels={P.fields} prefix="pb" />
      <fieldset disabled={!can} class="plain">
        {text('name')}
        <div class="grid2">
          <ColorField
            k="primaryColor"
            value={draft.primaryColor}
            fallback={saved.branding.primaryColor}
            onInput={(v) => set('primaryColor', v)}
            error={errors.primaryColor}
          />
          <ColorField
            k="accentColor"
            value={draft.accentColor}
            fallback={saved.branding.accentColor}
            onInput={(v) => set('accentColor', v)}
            error={errors.accentColor}
          />
        </div>
        <p class="hint">{P.colourHint}</p>
        <div class="grid2">
          {text('fontFamily')}
          <SelectField
            id="pb-theme"
            label={P.fields.theme!}
            value={draft.theme}
            onChange={(v) => set('theme', v)}
            options={[
              ['light', P.themes.light!],
              ['dark', P.themes.dark!],
            ]}
            error={errors.theme}
          />
        </div>
        {text('logoUrl', 'url')}
        {text('faviconUrl', 'url')}
      </fieldset>
      {warnings.length > 0 && (
        <div class="warn" role="status">
          <p>
            <strong>{P.warnings}</strong>
          </p>
          <ul>
            {warnings.map((w) => (
              <li key={w}>{w}</li>
            ))}
          </ul>
        </div>
      )}
      {can && (
        <div class="actions">
          <button type="submit" class="btn primary" disabled={busy} aria-busy={busy ? 'true' : undefined}>
            {P.saveBranding}
          </button>
          <Status text={status} />
        </div>
      )}
      {can && dirty && <p class="hint">{P.unsaved}</p>}
    </form>
  );
}

const sectionBody = (list: Section[]) => ({
  sections: list.map((s) => ({ key: s.key, state: s.state, ...(s.label !== DEFAULT_LABELS[s.key] ? { label: s.label } : {}) })),
});

function Sections({
  path,
  sections,
  setSections,
  confirmed,
  onSaved,
}: {
  path: string;
  sections: Section[];
  setSections: (s: Section[]) => void;
  confirmed: Section[];
  onSaved: (p: PortalView) => void;
}) {
  const can = useCan('admin');
  const [status, setStatus] = useState('');
  const [error, setError] = useState('');
  const seq = useRef(0);
  const lastGood = useRef(confirmed);

  const save = (next: Section[]) => {
    setSections(next);
    setError('');
    setStatus(t.saving);
    const mine = ++seq.current;
    api<PortalView>(`${path}/sections`, 'PUT', sectionBody(next)).then(
      (p) => {
        lastGood.current = p.sections;
        onSaved(withoutWarnings(p));
        if (mine === seq.current) {
          setSections(p.sections);
          setStatus(t.saved);
        }
      },
      (err: unknown) => {
        if (mine !== seq.current) return;
        setSections(lastGood.current);
        setStatus('');
        setError(asApiError(err).description);
      },
    );
  };

  return (
    <section class="card" aria-labelledby="sections-h">
      <div class="card-head">
        <h2 id="sections-h">{P.sections}</h2>
        <Status text={status} />
      </div>
      <p class="hint">{P.sectionsIntro}</p>
      <Alert text={error} />
      <ReorderList
        items={sections}
        keyOf={(s) => s.key}
        labelOf={(s) => s.label}
        upLabel={P.up}
        downLabel={P.down}
        can={can}
        onMove={(from, to) => save(move(sections, from, to))}
        testId="sections"
        class="sections"
      >
        {(s) => (
          <>
            <span class="sec-label">
              {s.label}
              {!s.available && <span class="badge soon">{P.soon}</span>}
            </span>
            <select
              aria-label={P.state(s.label)}
              value={s.state}
              disabled={!can || !s.available}
              onChange={(e) => save(sections.map((x) => (x.key === s.key ? { ...x, state: e.currentTarget.value as SectionState } : x)))}
            >
              {STATES.map((st) => (
                <option key={st} value={st}>
                  {P.states[st]}
                </option>
              ))}
            </select>
          </>
        )}
      </ReorderList>
    </section>
  );
}

function Preview({ src, view }: { src: string; view: PortalView }) {
  const frame = useRef<HTMLIFrameElement>(null);
  const latest = useRef(view);
  latest.current = view;
  const send = () => frame.current?.contentWindow?.postMessage({ type: 'portico:preview', portal: latest.current }, location.origin);
  const json = JSON.stringify(view);
  useEffect(send, [json]);
  useEffect(() => {
    const on = (e: MessageEvent) => {
      if (e.origin !== location.origin || e.source !== frame.current?.contentWindow) return;
      if (e.data && typeof e.data === 'object' && e.data.type === 'portico:preview-ready') send();
    };
    addEventListener('message', on);
    return () => removeEventListener('message', on);
  }, []);
  return (
    <section class="card preview" aria-labelledby="preview-h">
      <h2 id="preview-h">{P.preview}</h2>
      <iframe ref={frame} title={P.previewTitle} src={src} />
    </section>
  );
}

function Editor({ boot, portal, path }: { boot: PageProps['boot']; portal: PortalView; path: string }) {
  const can = useCan('admin');
  const [saved, setSaved] = useState(portal);
  const [draft, setDraft] = useState(() => toBrand(portal));
  const [sections, setSections] = useState(portal.sections);
  const del = useDeletePortal(saved);
  useTitle(saved.name);

  const onSaved = (p: PortalView) => {
    setSaved(p);
    setResource(path, p);
    invalidate('portals');
  };
  const onBrandSaved = (p: PortalView) => {
    onSaved(p);
    setDraft(toBrand(p));
  };

  const view: PortalView = {
    slug: saved.slug,
    name: draft.name.trim() || saved.name,
    primary: saved.primary,
    branding: previewBranding(draft, saved.branding),
    sections,
  };

  return (
    <>
      <p class="back">
        <a href={href('portals')}>← {P.back}</a>
      </p>
      <div class="page-head">
        <Heading>{saved.name}</Heading>
        {saved.primary && <span class="badge primary">{P.primaryBadge}</span>}
      </div>
      <p>
        <a class="break" href={portalAddress(boot, saved)} target="_blank" rel="noopener">
          {portalAddress(boot, saved)}
        </a>
      </p>
      <ReadOnlyNote />
      <div class="editor">
        <section class="card ed-form" aria-labelledby="branding-h">
          <h2 id="branding-h">{P.branding}</h2>
          <BrandingForm path={path} saved={saved} draft={draft} setDraft={setDraft} onSaved={onBrandSaved} />
        </section>
        <div class="ed-preview">
          <Preview src={`${boot.portalUrl}/${saved.slug}?preview=1`} view={view} />
        </div>
        <div class="ed-sections">
          <Sections path={path} sections={sections} setSections={setSections} confirmed={portal.sections} onSaved={onSaved} />
          {can && (
            <section class="card" aria-labelledby="danger-h">
              <h2 id="danger-h">{P.delete}</h2>
              {saved.primary ? (
                <p class="hint">{P.primaryNoDelete}</p>
              ) : (
                <button type="button" class="btn danger" disabled={del.busy} onClick={del.remove}>
                  {P.delete}
                </button>
              )}
              <Alert text={del.error} />
            </section>
          )}
        </div>
      </div>
    </>
  );
}

export function PortalEditorPage({ boot, param }: PageProps) {
  const slug = param ?? '';
  const path = `portals/${encodeURIComponent(slug)}`;
  const { data, error, loading, reload } = useResource<PortalView>(path);
  useTitle(data?.name ?? t.nav.portals);
  if (data) return <Editor key={slug} boot={boot} portal={data} path={path} />;
  return (
    <>
      <p class="back">
        <a href={href('portals')}>← {P.back}</a>
      </p>
      <Heading>{t.nav.portals}</Heading>
      {loading ? <Loading /> : error && <ErrorBox error={error} retry={reload} />}
    </>
  );
}
