import { useRef, useState } from 'preact/hooks';
import type { PageProps } from '../app.tsx';
import { invalidate, useResource } from '../../../shared/store.ts';
import { href } from '../router.ts';
import type { BookableResource, List, Location, Service } from '../types.ts';
import { FormError, Heading, ReadOnlyNote, SelectField, Status, TextField, fieldErrors, useCan, useTitle } from '../ui.tsx';
import {
  C,
  EditorHead,
  browserZone,
  Loaded,
  OpenButton,
  removeFrom,
  replaceIn,
  useDelete,
  useItemForm,
  usePanel,
  type Built,
  type Lists,
  EditorActions,
} from './catalogue-common.tsx';
import { ResourcesPanel } from './catalogue-resources.tsx';
import { ServicesPanel } from './catalogue-services.tsx';
import { t } from '../strings/index.ts';

const L = C.locations;
type Tab = 'locations' | 'resources' | 'services';
const TABS: Tab[] = ['locations', 'resources', 'services'];

let zones: string[] | undefined;
/** The IANA time zones this browser knows, with `current` first when it is not one of them. */
function timeZones(current: string): string[] {
  zones ??= typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];
  return !current || zones.includes(current) ? zones : [current, ...zones];
}

// Locations

type LForm = { name: string; timeZone: string; address: string };
const L_KEYS = new Set(['name', 'timeZone', 'address']);
const lKeyOf = (path: string[]) => (L_KEYS.has(path[0]!) ? path[0] : undefined);
const toLForm = (l?: Location): LForm => ({ name: l?.name ?? '', timeZone: l?.timeZone ?? browserZone(), address: l?.address ?? '' });
const lBody = (f: LForm): Built => ({
  body: { name: f.name.trim(), timeZone: f.timeZone, ...(f.address.trim() ? { address: f.address.trim() } : {}) },
  problems: [],
});

function LocationEditor({
  item,
  list,
  onBack,
  onCreated,
}: {
  item?: Location;
  list: Location[];
  onBack: (msg?: string) => void;
  onCreated: (id: string) => void;
}) {
  const can = useCan('admin');
  const f = useItemForm<Location, LForm>({
    item,
    list: 'locations',
    toForm: toLForm,
    toBody: lBody,
    onSaved: (l) => {
      replaceIn('locations', list, l);
      invalidate('services'); // services show their location
      if (!item) onCreated(l.id);
    },
  });
  const del = useDelete('locations', item, L.deleteConfirm, (l) => {
    removeFrom('locations', list, l.id);
    onBack(C.deleted(l.name));
  });
  const errors = fieldErrors(f.error, lKeyOf, true);
  return (
    <>
      <EditorHead title={item?.name ?? L.newTitle} list={C.tabs.locations!} onBack={() => onBack()} />
      <form onSubmit={f.onSubmit} noValidate class="card">
        <FormError error={f.error} keyOf={lKeyOf} labels={L.fields} prefix="loc" plain />
        <fieldset disabled={!can} class="plain">
          <TextField id="loc-name" label={L.fields.name!} value={f.form.name} onInput={(v) => f.set('name', v)} error={errors.name} required />
          <SelectField
            id="loc-timeZone"
            label={L.fields.timeZone!}
            hint={L.timeZoneHint}
            value={f.form.timeZone}
            onChange={(v) => f.set('timeZone', v)}
            options={timeZones(f.form.timeZone).map((z) => [z, z.replace(/_/g, ' ')])}
            error={errors.timeZone}
          />
          <TextField
            id="loc-address"
            label={C.optional(L.fields.address!)}
            rows={3}
            value={f.form.address}
            onInput={(v) => f.set('address', v)}
            error={errors.address}
          />
        </fieldset>
        <EditorActions can={can} form={f} del={del} save={item ? C.save : C.create} remove={item && L.delete} />
      </form>
    </>
  );
}

function LocationsPanel({ lists }: { lists: Lists }) {
  const can = useCan('admin');
  const p = usePanel('cat-h-locations');
  const items = lists.locations.data?.items ?? [];
  const item = p.editing && p.editing !== 'new' ? items.find((x) => x.id === p.editing) : undefined;
  if (p.editing === 'new' || item) return <LocationEditor item={item} list={items} onBack={p.close} onCreated={p.show} />;
  return (
    <>
      <div class="card-head">
        <h2 id="cat-h-locations" tabIndex={-1}>
          {C.tabs.locations}
        </h2>
        {can && (
          <button type="button" id="cat-add-locations" class="btn primary" onClick={() => p.open('new', 'cat-add-locations')}>
            {L.add}
          </button>
        )}
      </div>
      <Status text={p.notice} />
      <Loaded res={lists.locations}>
        {(data) =>
          data.items.length ? (
            <div class="table-wrap">
              <table class="list">
                <thead>
                  <tr>
                    <th scope="col">{L.fields.name}</th>
                    <th scope="col">{L.fields.timeZone}</th>
                    <th scope="col">{L.fields.address}</th>
                    <td />
                  </tr>
                </thead>
                <tbody>
                  {data.items.map((l) => (
                    <tr key={l.id}>
                      <td class="break">{l.name}</td>
                      <td>{l.timeZone.replace(/_/g, ' ')}</td>
                      <td class="break pre-line">{l.address}</td>
                      <td class="row-actions">
                        <OpenButton id={`cat-open-${l.id}`} name={l.name} can={can} onOpen={(o) => p.open(l.id, o)} />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ) : (
            <p class="empty">{L.empty}</p>
          )
        }
      </Loaded>
    </>
  );
}

// The page: three tabs; the chosen one is kept in the address (#/catalogue/services) without a route change.

export function CataloguePage({ param }: PageProps) {
  useTitle(t.nav.catalogue);
  const [tab, setTab] = useState<Tab>(() => (TABS.includes(param as Tab) ? (param as Tab) : 'locations'));
  const tabs = useRef<HTMLDivElement>(null);
  const lists: Lists = {
    locations: useResource<List<Location>>('locations'),
    resources: useResource<List<BookableResource>>('resources'),
    services: useResource<List<Service>>('services'),
  };
  const choose = (k: Tab) => {
    setTab(k);
    history.replaceState(history.state, '', href('catalogue', k === 'locations' ? undefined : k));
  };
  const onKey = (e: KeyboardEvent) => {
    const i = TABS.indexOf(tab);
    const n =
      e.key === 'ArrowRight'
        ? (i + 1) % TABS.length
        : e.key === 'ArrowLeft'
          ? (i + TABS.length - 1) % TABS.length
          : e.key === 'Home'
            ? 0
            : e.key === 'End'
              ? TABS.length - 1
              : -1;
    if (n < 0) return;
    e.preventDefault();
    choose(TABS[n]!);
    tabs.current?.querySelectorAll<HTMLButtonElement>('[role=tab]')[n]?.focus();
  };
  return (
    <>
      <Heading>{t.nav.catalogue}</Heading>
      <p class="muted">{C.intro}</p>
      <ReadOnlyNote />
      <div role="tablist" aria-label={t.nav.catalogue} class="tabs" ref={tabs} onKeyDown={onKey}>
        {TABS.map((k) => (
          <button
            key={k}
            type="button"
            role="tab"
            id={`cat-tab-${k}`}
            aria-selected={k === tab ? 'true' : 'false'}
            aria-controls={`cat-panel-${k}`}
            tabIndex={k === tab ? 0 : -1}
            onClick={() => choose(k)}
          >
            {C.tabs[k]}
          </button>
        ))}
      </div>
      <div role="tabpanel" id={`cat-panel-${tab}`} aria-labelledby={`cat-tab-${tab}`} class="tabpanel">
        {tab === 'locations' ? (
          <LocationsPanel key={tab} lists={lists} />
        ) : tab === 'resources' ? (
          <ResourcesPanel key={tab} lists={lists} />
        ) : (
          <ServicesPanel key={tab} lists={lists} />
        )}
      </div>
    </>
  );
}
