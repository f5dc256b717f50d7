import { useEffect, useRef } from 'preact/hooks';
import { invalidate } from '../../../shared/store.ts';
import { RESOURCE_KINDS, WEEKDAYS, type BookableResource, type Hours, type Location, type ResourceKind, type Weekday } from '../types.ts';
import { FormError, SelectField, Status, TextField, fieldErrors, useCan, type Errors } from '../ui.tsx';
import {
  C,
  EditorHead,
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
import { t } from '../strings/index.ts';

const R = C.resources;

// Form state. Rows carry a key so removing one keeps the others' inputs (and focus) in place.
type Row = { key: number; start: string; end: string };
type Exc = { key: number; from: string; to: string; note: string; hours: Row[] };
type RForm = { name: string; kind: ResourceKind; locationId: string; email: string; week: Record<Weekday, Row[]>; exceptions: Exc[] };

let keys = 0;
const row = (h: Hours): Row => ({ key: ++keys, start: h.start, end: h.end });

const plusHour = (hhmm: string): string => {
  const [h, m] = hhmm.split(':').map(Number);
  if (h === undefined || m === undefined || Number.isNaN(h) || Number.isNaN(m)) return '';
  return `${String(Math.min(h + 1, 23)).padStart(2, '0')}:${String(m).padStart(2, '0')}`;
};
/** A new row: 09:00–17:00, or the hour after the last row. */
const nextRow = (rows: Row[]): Row => {
  const last = rows[rows.length - 1];
  return row(last?.end ? { start: last.end, end: plusHour(last.end) } : { start: '09:00', end: '17:00' });
};

const today = (): string => {
  const d = new Date();
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
};

function toRForm(r: BookableResource | undefined, locationId: string): RForm {
  const week = Object.fromEntries(WEEKDAYS.map((d) => [d, [] as Row[]])) as Record<Weekday, Row[]>;
  for (const h of r?.weeklyHours ?? []) week[h.day]?.push(row(h));
  return {
    name: r?.name ?? '',
    kind: r?.kind ?? 'staff',
    locationId: r?.locationId ?? locationId,
    email: r?.email ?? '',
    week,
    exceptions: (r?.exceptions ?? []).map((x) => ({ key: ++keys, from: x.from, to: x.to, note: x.note ?? '', hours: x.hours.map(row) })),
  };
}

const hours = (rows: Row[]): Hours[] => rows.map((r) => ({ start: r.start, end: r.end }));

function rBody(f: RForm): Built {
  const email = f.email.trim();
  return {
    body: {
      name: f.name.trim(),
      kind: f.kind,
      locationId: f.locationId,
      ...(email ? { email } : {}),
      weeklyHours: WEEKDAYS.flatMap((day) => f.week[day].map((r) => ({ day, start: r.start, end: r.end }))),
      exceptions: f.exceptions.map((x) => ({ from: x.from, to: x.to, hours: hours(x.hours), ...(x.note.trim() ? { note: x.note.trim() } : {}) })),
    },
    problems: [],
  };
}

const isIndex = (s: string | undefined): s is string => s !== undefined && /^\d+$/.test(s);

/**
 * Server paths to form keys (element ids are "res-" + key): weeklyHours.<n>[.start|.end] is the n-th row of the
 * week in day order, exceptions.<n>.hours.<m>[.end] a row of an exception.
 */
function keyOfFor(f: RForm) {
  const flat = WEEKDAYS.flatMap((d) => f.week[d].map((_, j) => [d, j] as const));
  return (path: string[]): string | undefined => {
    const [head, a, b, c, d] = path;
    if (head === 'name' || head === 'kind' || head === 'locationId' || head === 'email') return head;
    if (head === 'weeklyHours') {
      const at = isIndex(a) ? flat[Number(a)] : undefined;
      return at ? `wh-${at[0]}-${at[1]}-${b === 'end' ? 'end' : 'start'}` : 'wh';
    }
    if (head === 'exceptions') {
      if (!isIndex(a) || !f.exceptions[Number(a)]) return 'ex';
      if (b === 'hours') return isIndex(c) ? `ex-${a}-h-${c}-${d === 'end' ? 'end' : 'start'}` : `ex-${a}-hours`;
      return `ex-${a}-${b === 'to' ? 'to' : b === 'note' ? 'note' : 'from'}`;
    }
    return undefined;
  };
}

function labelsFor(f: RForm): Record<string, string> {
  const out: Record<string, string> = { ...R.fields, wh: R.fields.weeklyHours!, ex: R.fields.exceptions! };
  const rows = (base: string, group: string, list: Row[]) =>
    list.forEach((_, j) => {
      out[`${base}-${j}-start`] = R.start(group, j + 1);
      out[`${base}-${j}-end`] = R.end(group, j + 1);
    });
  for (const d of WEEKDAYS) rows(`wh-${d}`, t.days[d]!, f.week[d]);
  f.exceptions.forEach((x, i) => {
    const group = R.exception(i + 1);
    out[`ex-${i}-from`] = `${group}: ${R.from}`;
    out[`ex-${i}-to`] = `${group}: ${R.to}`;
    out[`ex-${i}-note`] = `${group}: ${R.note}`;
    out[`ex-${i}-hours`] = `${group}: ${R.hours}`;
    rows(`ex-${i}-h`, group, x.hours);
  });
  return out;
}

/** Zero or more start–end rows with add and remove; `base` names the inputs ("res-<base>-<n>-start"). */
function HoursRows(props: { base: string; group: string; rows: Row[]; onChange: (rows: Row[]) => void; errors: Errors; empty: string }) {
  const { base, group, rows, errors } = props;
  const can = useCan('admin');
  const focus = useRef('');
  useEffect(() => {
    if (!focus.current) return;
    document.getElementById(focus.current)?.focus();
    focus.current = '';
  });
  const edit = (j: number, k: 'start' | 'end', v: string) => props.onChange(rows.map((r, i) => (i === j ? { ...r, [k]: v } : r)));
  const add = () => {
    focus.current = `res-${base}-${rows.length}-start`;
    props.onChange([...rows, nextRow(rows)]);
  };
  const remove = (j: number) => {
    focus.current = `res-${base}-add`;
    props.onChange(rows.filter((_, i) => i !== j));
  };
  return (
    <>
      {rows.length ? (
        <ul class="hours">
          {rows.map((r, j) => {
            const id = `res-${base}-${j}`;
            const startErr = errors[`${base}-${j}-start`];
            const endErr = errors[`${base}-${j}-end`];
            const err = [startErr, endErr].filter(Boolean).join('; ');
            return (
              <li key={r.key} class={`hours-row${err ? ' invalid' : ''}`}>
                <input
                  type="time"
                  step={300}
                  id={`${id}-start`}
                  aria-label={R.start(group, j + 1)}
                  value={r.start}
                  required
                  aria-invalid={startErr ? 'true' : undefined}
                  aria-describedby={err ? `${id}-err` : undefined}
                  onInput={(e) => edit(j, 'start', e.currentTarget.value)}
                />
                <span aria-hidden="true">–</span>
                <input
                  type="time"
                  step={300}
                  id={`${id}-end`}
                  aria-label={R.end(group, j + 1)}
                  value={r.end}
                  required
                  aria-invalid={endErr ? 'true' : undefined}
                  aria-describedby={err ? `${id}-err` : undefined}
                  onInput={(e) => edit(j, 'end', e.currentTarget.value)}
                />
                {can && (
                  <button type="button" class="btn small" aria-label={`${C.remove} ${R.hoursName(group, j + 1)}`} onClick={() => remove(j)}>
                    {C.remove}
                  </button>
                )}
                {err && (
                  <span id={`${id}-err`} class="field-error">
                    {err}
                  </span>
                )}
              </li>
            );
          })}
        </ul>
      ) : (
        <p class="muted hours-none">{props.empty}</p>
      )}
      {can && (
        <button type="button" id={`res-${base}-add`} class="btn small" onClick={add}>
          {R.addHours}
          <span class="sr-only"> ({group})</span>
        </button>
      )}
    </>
  );
}

function Exceptions({ list, onChange, errors }: { list: Exc[]; onChange: (list: Exc[]) => void; errors: Errors }) {
  const can = useCan('admin');
  const focus = useRef('');
  useEffect(() => {
    if (!focus.current) return;
    document.getElementById(focus.current)?.focus();
    focus.current = '';
  });
  const edit = (i: number, x: Partial<Exc>) => onChange(list.map((o, j) => (j === i ? { ...o, ...x } : o)));
  const add = () => {
    focus.current = `res-ex-${list.length}-from`;
    const d = today();
    onChange([...list, { key: ++keys, from: d, to: d, note: '', hours: [] }]);
  };
  const remove = (i: number) => {
    focus.current = 'res-ex-add';
    onChange(list.filter((_, j) => j !== i));
  };
  return (
    <fieldset id="res-ex" tabIndex={-1} class={`group${errors.ex ? ' invalid' : ''}`} aria-describedby="res-ex-hint">
      <legend>{R.fields.exceptions}</legend>
      <p id="res-ex-hint" class="hint">
        {R.exceptionsHint}
      </p>
      {errors.ex && <p class="field-error">{errors.ex}</p>}
      {list.length ? (
        <ol class="exceptions">
          {list.map((x, i) => {
            const group = R.exception(i + 1);
            return (
              <li key={x.key}>
                <fieldset class="exception">
                  <legend>{group}</legend>
                  <div class="grid3">
                    <TextField
                      id={`res-ex-${i}-from`}
                      label={R.from}
                      type="date"
                      value={x.from}
                      // A "to" before the new "from" follows it, so a one-day exception needs one date.
                      onInput={(v) => edit(i, { from: v, ...(!x.to || x.to < v ? { to: v } : {}) })}
                      error={errors[`ex-${i}-from`]}
                      required
                    />
                    <TextField
                      id={`res-ex-${i}-to`}
                      label={R.to}
                      type="date"
                      value={x.to}
                      onInput={(v) => edit(i, { to: v })}
                      error={errors[`ex-${i}-to`]}
                      required
                    />
                    <TextField
                      id={`res-ex-${i}-note`}
                      label={C.optional(R.note)}
                      value={x.note}
                      onInput={(v) => edit(i, { note: v })}
                      error={errors[`ex-${i}-note`]}
                    />
                  </div>
                  <fieldset id={`res-ex-${i}-hours`} tabIndex={-1} aria-labelledby={`res-ex-${i}-hours-l`} class="exc-hours">
                    <span id={`res-ex-${i}-hours-l`} class="label">
                      {R.hours}
                      <span class="sr-only"> ({group})</span>
                    </span>
                    {errors[`ex-${i}-hours`] && <span class="field-error">{errors[`ex-${i}-hours`]}</span>}
                    <HoursRows
                      base={`ex-${i}-h`}
                      group={group}
                      rows={x.hours}
                      onChange={(h) => edit(i, { hours: h })}
                      errors={errors}
                      empty={R.closed}
                    />
                  </fieldset>
                  {can && (
                    <button type="button" class="btn small danger" onClick={() => remove(i)}>
                      {R.removeException(i + 1)}
                    </button>
                  )}
                </fieldset>
              </li>
            );
          })}
        </ol>
      ) : (
        <p class="muted">{R.noExceptions}</p>
      )}
      {can && (
        <button type="button" id="res-ex-add" class="btn" onClick={add}>
          {R.addException}
        </button>
      )}
    </fieldset>
  );
}

function ResourceEditor(props: {
  item?: BookableResource;
  list: BookableResource[];
  locations: Location[];
  onBack: (msg?: string) => void;
  onCreated: (id: string) => void;
}) {
  const { item, list, locations } = props;
  const can = useCan('admin');
  const f = useItemForm<BookableResource, RForm>({
    item,
    list: 'resources',
    toForm: (r) => toRForm(r, locations[0]?.id ?? ''),
    toBody: rBody,
    onSaved: (r) => {
      replaceIn('resources', list, r);
      invalidate('services'); // services list who delivers them
      if (!item) props.onCreated(r.id);
    },
  });
  const del = useDelete('resources', item, R.deleteConfirm, (r) => {
    removeFrom('resources', list, r.id);
    invalidate('services');
    props.onBack(C.deleted(r.name));
  });
  const keyOf = keyOfFor(f.form);
  const errors = fieldErrors(f.error, keyOf, true);
  const locationOptions: [string, string][] = locations.map((l) => [l.id, l.name]);
  if (f.form.locationId && !locations.some((l) => l.id === f.form.locationId)) locationOptions.unshift([f.form.locationId, f.form.locationId]);
  return (
    <>
      <EditorHead title={item?.name ?? R.newTitle} list={C.tabs.resources!} onBack={() => props.onBack()} />
      <form onSubmit={f.onSubmit} noValidate class="card">
        <FormError error={f.error} keyOf={keyOf} labels={labelsFor(f.form)} prefix="res" plain />
        <fieldset disabled={!can} class="plain">
          <div class="grid2">
            <TextField id="res-name" label={R.fields.name!} value={f.form.name} onInput={(v) => f.set('name', v)} error={errors.name} required />
            <SelectField
              id="res-kind"
              label={R.fields.kind!}
              value={f.form.kind}
              onChange={(v) => f.set('kind', v as ResourceKind)}
              options={RESOURCE_KINDS.map((k) => [k, R.kinds[k]!])}
              error={errors.kind}
            />
            <SelectField
              id="res-locationId"
              label={R.fields.locationId!}
              value={f.form.locationId}
              onChange={(v) => f.set('locationId', v)}
              options={locationOptions}
              error={errors.locationId}
            />
            <TextField
              id="res-email"
              label={C.optional(R.fields.email!)}
              type="email"
              autoComplete="off"
              value={f.form.email}
              onInput={(v) => f.set('email', v)}
              error={errors.email}
            />
          </div>
          <fieldset id="res-wh" tabIndex={-1} class={`group${errors.wh ? ' invalid' : ''}`} aria-describedby="res-wh-hint">
            <legend>{R.fields.weeklyHours}</legend>
            <p id="res-wh-hint" class="hint">
              {R.weeklyHint}
            </p>
            {errors.wh && <p class="field-error">{errors.wh}</p>}
            {WEEKDAYS.map((d) => (
              <fieldset key={d} class="weekday">
                <legend>{t.days[d]}</legend>
                <div class="weekday-body">
                  <HoursRows
                    base={`wh-${d}`}
                    group={t.days[d]!}
                    rows={f.form.week[d]}
                    onChange={(rows) => f.set('week', { ...f.form.week, [d]: rows })}
                    errors={errors}
                    empty={R.dayOff}
                  />
                </div>
              </fieldset>
            ))}
          </fieldset>
          <Exceptions list={f.form.exceptions} onChange={(x) => f.set('exceptions', x)} errors={errors} />
        </fieldset>
        <EditorActions
          can={can}
          form={f}
          del={del}
          save={item ? C.save : C.create}
          remove={
            item && (
              <>
                {R.delete}
                <span class="sr-only"> {item.name}</span>
              </>
            )
          }
        />
      </form>
    </>
  );
}

export function ResourcesPanel({ lists }: { lists: Lists }) {
  const can = useCan('admin');
  const p = usePanel('cat-h-resources');
  const items = lists.resources.data?.items ?? [];
  const locations = lists.locations.data?.items ?? [];
  const item = p.editing && p.editing !== 'new' ? items.find((x) => x.id === p.editing) : undefined;
  if (p.editing === 'new' || item) return <ResourceEditor item={item} list={items} locations={locations} onBack={p.close} onCreated={p.show} />;
  const locationName = (id: string) => locations.find((l) => l.id === id)?.name ?? '';
  const noLocation = !!lists.locations.data && !locations.length;
  return (
    <>
      <div class="card-head">
        <h2 id="cat-h-resources" tabIndex={-1}>
          {C.tabs.resources}
        </h2>
        {can && (
          <button
            type="button"
            id="cat-add-resources"
            class="btn primary"
            disabled={!lists.locations.data || noLocation}
            onClick={() => p.open('new', 'cat-add-resources')}
          >
            {R.add}
          </button>
        )}
      </div>
      <Status text={p.notice} />
      {can && noLocation && <p class="note">{R.needLocation}</p>}
      <Loaded res={lists.resources}>
        {(data) =>
          data.items.length ? (
            <div class="table-wrap">
              <table class="list">
                <thead>
                  <tr>
                    <th scope="col">{R.fields.name}</th>
                    <th scope="col">{R.fields.kind}</th>
                    <th scope="col">{R.fields.locationId}</th>
                    <th scope="col">{R.fields.email}</th>
                    <td />
                  </tr>
                </thead>
                <tbody>
                  {data.items.map((r) => (
                    <tr key={r.id}>
                      <td class="break">{r.name}</td>
                      <td>{R.kinds[r.kind] ?? r.kind}</td>
                      <td class="break">{locationName(r.locationId)}</td>
                      <td class="break">{r.email}</td>
                      <td class="row-actions">
                        <OpenButton id={`cat-open-${r.id}`} name={r.name} can={can} onOpen={(o) => p.open(r.id, o)} />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ) : (
            <p class="empty">{R.empty}</p>
          )
        }
      </Loaded>
    </>
  );
}
