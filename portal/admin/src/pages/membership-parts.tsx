// What the plans, class packs and members pages share: a list page of things sold (plans, packs) whose rows open an
// editor on a route of its own (#/plans/<id>), that editor's frame, the services picker of entitlements, discounts
// and packs, and how money and credits read.
import type { ComponentChildren } from 'preact';
import { useEffect } from 'preact/hooks';
import { formatMoney, toMinor } from '../../../shared/money.ts';
import { useResource } from '../../../shared/store.ts';
import { href } from '../router.ts';
import type { List, Money, PaymentSettings, Plan, Service } from '../types.ts';
import { Heading, ListTable, ReadOnlyNote, RowLink, Status, useCan, useNotice, useTitle } from '../ui.tsx';
import { Loaded, whole } from './catalogue-common.tsx';
import type { FieldError } from '../../../shared/api.ts';
import { tms } from '../strings/memberships.ts';

const M = tms.common;
/** A new plan's or pack's currency until the payment settings say the business's own. */
const DEFAULT_CURRENCY = 'GBP';

/** The currency new things are priced in: the business's, once its payment settings have arrived. */
export function useCurrency(): string {
  return useResource<PaymentSettings>('payments/settings').data?.currency ?? DEFAULT_CURRENCY;
}

/** The catalogue's services, for the pickers and to name a plan's or pack's services. */
export const useServices = () => useResource<List<Service>>('services');

/** The plans, read again when a form that offers them opens: a colleague may have added one since the list was read. */
export function useFreshPlans() {
  const plans = useResource<List<Plan>>('plans');
  useEffect(() => {
    if (plans.data) plans.reload();
  }, []);
  return plans;
}

/** An amount typed in major units, in minor units; empty is `empty` (undefined: required), a problem noted otherwise. */
export function amount(v: string, currency: string, field: string, problems: FieldError[], empty?: number): number | undefined {
  if (!v.trim()) {
    if (empty === undefined) problems.push({ field, message: M.required });
    return empty;
  }
  const n = toMinor(v, currency);
  if (n === undefined) problems.push({ field, message: M.amountInvalid });
  return n;
}

/** A whole number, or `empty` when left empty. */
export const count = (v: string, field: string, problems: FieldError[], empty?: number): number | undefined =>
  whole(v, field, problems, empty !== undefined) ?? empty;

/** "£49.00 a month" */
export const priceEvery = (price: Money, interval: string): string => M.every(formatMoney(price), M.intervals[interval] ?? interval);

/** "8 credits", "Unlimited" */
export const creditsText = (unlimited: boolean, n: number): string => (unlimited ? M.unlimited : M.credits(n));

/** A local date (YYYY-MM-DD, the organisation's) or an ISO time (as a day in `timeZone`, the organisation's), as a date to read. */
export function formatDay(value: string, timeZone?: string): string {
  const local = /^\d{4}-\d{2}-\d{2}$/.test(value);
  const d = new Date(local ? `${value}T12:00:00Z` : value);
  if (Number.isNaN(d.getTime())) return value;
  const zone = local ? 'UTC' : timeZone;
  return d.toLocaleDateString(document.documentElement.lang || undefined, { dateStyle: 'medium', ...(zone ? { timeZone: zone } : {}) });
}

/** Checkboxes of the catalogue's services under a legend; the fieldset takes `id`, where an error's link sends focus. */
export function ServicePicker(props: {
  id: string;
  legend: string;
  services: Service[];
  value: string[];
  onChange: (ids: string[]) => void;
  error?: string;
  hint?: string;
}) {
  const { id, services, value, error } = props;
  // Services no longer in the catalogue stay listed while chosen, so saving does not drop them unseen.
  const gone = value.filter((sid) => !services.some((s) => s.id === sid));
  const described = [props.hint && `${id}-hint`, error && `${id}-err`].filter(Boolean).join(' ') || undefined;
  return (
    <fieldset id={id} tabIndex={-1} class={`group${error ? ' invalid' : ''}`} aria-describedby={described}>
      <legend>{props.legend}</legend>
      {props.hint && (
        <span id={`${id}-hint`} class="hint">
          {props.hint}
        </span>
      )}
      {error && (
        <span id={`${id}-err`} class="field-error">
          {error}
        </span>
      )}
      {services.length || gone.length ? (
        <div class="checks">
          {[
            ...services.map((s): [string, string, boolean] => [s.id, s.name, s.active]),
            ...gone.map((g): [string, string, boolean] => [g, M.gone, true]),
          ].map(([sid, name, active]) => (
            <div class="check" key={sid}>
              <input
                id={`${id}-${sid}`}
                type="checkbox"
                checked={value.includes(sid)}
                onChange={(e) => props.onChange(e.currentTarget.checked ? [...value, sid] : value.filter((x) => x !== sid))}
              />
              <label for={`${id}-${sid}`}>
                {name}
                {!active && <span class="muted"> ({M.inactive})</span>}
              </label>
            </div>
          ))}
        </div>
      ) : (
        <p class="muted">{M.noServices}</p>
      )}
    </fieldset>
  );
}

/** The names of services, from the catalogue. */
export function serviceNames(ids: string[], services: Service[]): string {
  return ids.map((id) => services.find((s) => s.id === id)?.name ?? M.gone).join(', ');
}

/**
 * A list page of things sold (plans, class packs): the heading, the Add link (admins), a notice left by the editor
 * ("X was deleted."), and the table of `path`'s items, each row opening its editor at `#/<route>/<id>`.
 */
export function ListPage<T extends { id: string; name: string; active: boolean }>(props: {
  route: string;
  path: string;
  title: string;
  intro: string;
  add: string;
  empty: string;
  columns: string[];
  cells: (item: T) => ComponentChildren[];
}) {
  useTitle(props.title);
  const can = useCan('admin');
  const notice = useNotice();
  const res = useResource<List<T>>(props.path);
  return (
    <>
      <div class="page-head">
        <Heading>{props.title}</Heading>
        {can && (
          <a class="btn primary" href={href(props.route, 'new')}>
            {props.add}
          </a>
        )}
      </div>
      <p class="muted">{props.intro}</p>
      <ReadOnlyNote />
      <Status text={notice} />
      <Loaded res={res}>
        {(data) =>
          data.items.length ? (
            <ListTable testId={`${props.route}-list`} columns={[M.name, ...props.columns]} actions>
              {data.items.map((item) => (
                <tr key={item.id} id={`${props.route}-${item.id}`} class={item.active ? undefined : 'inactive'}>
                  <td class="break">
                    {item.name} {!item.active && <span class="badge muted-badge">{M.inactive}</span>}
                  </td>
                  {props.cells(item).map((c, i) => (
                    <td class="wrap" key={i}>
                      {c}
                    </td>
                  ))}
                  <RowLink href={href(props.route, item.id)} label={can ? M.editLabel(item.name) : M.viewLabel(item.name)}>
                    {can ? M.edit : M.view}
                  </RowLink>
                </tr>
              ))}
            </ListTable>
          ) : (
            <p class="empty">{props.empty}</p>
          )
        }
      </Loaded>
    </>
  );
}

/**
 * An editor page's frame: the way back to the list, the heading (the item's name, or `newTitle`) and the editor of
 * the item found in `path`'s list (the one the list page loaded), or "not found".
 */
export function EditorPage<T extends { id: string; name: string }>(props: {
  route: string;
  path: string;
  param?: string;
  listTitle: string;
  newTitle: string;
  children: (item: T | undefined, list: T[]) => ComponentChildren;
}) {
  const res = useResource<List<T>>(props.path);
  const isNew = props.param === 'new';
  const item = isNew ? undefined : res.data?.items.find((x) => x.id === props.param);
  const title = isNew ? props.newTitle : (item?.name ?? props.listTitle);
  useTitle(title);
  const notice = useNotice();
  return (
    <>
      <p class="back">
        <a href={href(props.route)}>{M.back(props.listTitle)}</a>
      </p>
      <Heading>{title}</Heading>
      <ReadOnlyNote />
      <Status text={notice} />
      <Loaded res={res}>{(data) => (isNew || item ? props.children(item, data.items) : <p class="empty">{M.notFound}</p>)}</Loaded>
    </>
  );
}
