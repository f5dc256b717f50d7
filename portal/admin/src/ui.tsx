import { createContext, type ComponentChildren } from 'preact';
import { useContext, useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, asApiError, type FieldError } from '../../shared/api.ts';
import { useLiveState } from '../../shared/live.ts';
import { atLeast, type Role } from './types.ts';
import type { LazyUi } from '../../shared/lazy.tsx';
import { t } from './strings/index.ts';

let orgName = '';
export const setOrgName = (n: string): void => {
  orgName = n;
};

/** document.title = "<label> · <org name> admin" */
export function useTitle(label: string): void {
  useEffect(() => {
    document.title = [label, `${orgName} ${t.appName}`].filter(Boolean).join(' · ');
  }, [label]);
}

/** The signed-in staff member's role; the server enforces it, the UI only hides or disables what it cannot do. */
export const RoleContext = createContext<Role>('staff');
/** True when the current role is at least `need` (owner > admin > staff). */
export function useCan(need: Role): boolean {
  return atLeast(useContext(RoleContext), need);
}

/** The page's main heading; receives focus on route change. */
export function Heading({ children }: { children: ComponentChildren }) {
  return (
    <h1 id="page-title" tabIndex={-1}>
      {children}
    </h1>
  );
}

export function Loading() {
  return (
    <p role="status" class="muted">
      {t.loading}
    </p>
  );
}

export function ErrorBox({ error, retry }: { error: ApiError; retry?: () => void }) {
  return (
    <div role="alert" class="alert">
      <p>{error.description}</p>
      {retry && (
        <button type="button" class="btn" onClick={retry}>
          {t.retry}
        </button>
      )}
    </div>
  );
}

/** How a page in a chunk of its own (../../shared/lazy.tsx) says it is loading, or could not be fetched. */
export const lazyUi: LazyUi = { Loading, ErrorBox, network: t.errors.network };

export function ReadOnlyNote() {
  return useCan('admin') ? null : <p class="note">{t.readOnly}</p>;
}

export type Errors = Partial<Record<string, string>>;

/**
 * Splits an error's field details over form keys. `keyOf` maps a dotted server path ("redirectUris.0",
 * "branding.primaryColor") to a form key, or undefined; array indexes become "Line n:" prefixes, unless `plain`
 * (forms whose keys already name the item, e.g. one input per array entry).
 */
export function fieldErrors(error: ApiError | null, keyOf: (path: string[]) => string | undefined, plain = false): Errors {
  const out: Errors = {};
  for (const d of error?.details ?? []) {
    const path = d.field.split('.');
    const k = keyOf(path);
    if (!k) continue;
    const msg = plain ? d.message : detailMessage(d);
    out[k] = out[k] ? `${out[k]}; ${msg}` : msg;
  }
  return out;
}

/** A field problem's message, with "Line n:" for an array item (one URI per line). */
function detailMessage(d: FieldError): string {
  const index = d.field.split('.').find((p) => /^\d+$/.test(p));
  return index !== undefined ? t.errors.line(Number(index) + 1, d.message) : d.message;
}

/** Error summary of a form: the description, or the list of field problems linking to their inputs. */
export function FormError({
  error,
  keyOf,
  labels,
  prefix,
  plain = false,
}: {
  error: ApiError | null;
  keyOf: (path: string[]) => string | undefined;
  labels: Record<string, string>;
  prefix: string;
  plain?: boolean;
}) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (error) ref.current?.focus();
  }, [error]);
  if (!error) return null;
  const details: FieldError[] = error.details;
  return (
    <div class="alert" role="alert" tabIndex={-1} ref={ref}>
      <p>
        <strong>{details.length ? t.errors.summary : error.description}</strong>
      </p>
      {details.length > 0 && (
        <ul>
          {details.map((d, i) => {
            const k = keyOf(d.field.split('.'));
            const label = k ? (labels[k] ?? k) : d.field;
            const msg = plain ? d.message : detailMessage(d);
            return (
              <li key={i}>
                {k ? (
                  <a
                    href={`#${prefix}-${k}`}
                    onClick={(e) => {
                      e.preventDefault();
                      document.getElementById(`${prefix}-${k}`)?.focus();
                    }}
                  >
                    {label}: {msg}
                  </a>
                ) : (
                  `${label}: ${msg}`
                )}
              </li>
            );
          })}
        </ul>
      )}
    </div>
  );
}

type Common = { id: string; label: string; error?: string; hint?: string; disabled?: boolean; class?: string };

function described(id: string, error?: string, hint?: string): string | undefined {
  return [hint && `${id}-hint`, error && `${id}-err`].filter(Boolean).join(' ') || undefined;
}

function FieldShell(props: Common & { children: ComponentChildren }) {
  const { id, label, error, hint } = props;
  return (
    <div class={`field${error ? ' invalid' : ''}${props.class ? ` ${props.class}` : ''}`}>
      <label for={id}>{label}</label>
      {hint && (
        <span id={`${id}-hint`} class="hint">
          {hint}
        </span>
      )}
      {props.children}
      {error && (
        <span id={`${id}-err`} class="field-error">
          {error}
        </span>
      )}
    </div>
  );
}

export function TextField(
  props: Common & {
    value: string;
    onInput: (v: string) => void;
    type?: string;
    rows?: number;
    autoComplete?: string;
    required?: boolean;
    placeholder?: string;
    mono?: boolean;
    min?: number;
    max?: number;
    step?: number | 'any';
    inputMode?: 'numeric' | 'decimal' | 'email' | 'text';
    /** The id of a <datalist> of suggestions. */
    list?: string;
  },
) {
  const { id, error, hint, value, onInput, rows } = props;
  const common = {
    id,
    name: id,
    value,
    disabled: props.disabled,
    required: props.required,
    placeholder: props.placeholder,
    class: props.mono ? 'mono' : undefined,
    'aria-invalid': error ? ('true' as const) : undefined,
    'aria-describedby': described(id, error, hint),
    onInput: (e: Event) => onInput((e.currentTarget as HTMLInputElement).value),
  };
  return (
    <FieldShell {...props}>
      {rows ? (
        <textarea {...common} rows={rows} spellcheck={false} />
      ) : (
        <input
          {...common}
          type={(props.type ?? 'text') as 'text'}
          autoComplete={props.autoComplete}
          spellcheck={false}
          min={props.min}
          max={props.max}
          step={props.step}
          inputMode={props.inputMode}
          list={props.list}
        />
      )}
    </FieldShell>
  );
}

export function SelectField(
  props: Common & { value: string; onChange: (v: string) => void; options: [value: string, label: string, disabled?: boolean][] },
) {
  const { id, error, hint } = props;
  return (
    <FieldShell {...props}>
      <select
        id={id}
        name={id}
        value={props.value}
        disabled={props.disabled}
        aria-invalid={error ? 'true' : undefined}
        aria-describedby={described(id, error, hint)}
        onChange={(e) => props.onChange(e.currentTarget.value)}
      >
        {props.options.map(([v, l, d]) => (
          <option key={v} value={v} disabled={d}>
            {l}
          </option>
        ))}
      </select>
    </FieldShell>
  );
}

export function CheckField(props: Common & { checked: boolean; onChange: (v: boolean) => void }) {
  const { id, error } = props;
  return (
    <div class="field">
      <div class="check">
        <input
          id={id}
          type="checkbox"
          checked={props.checked}
          disabled={props.disabled}
          aria-invalid={error ? 'true' : undefined}
          aria-describedby={error ? `${id}-err` : undefined}
          onChange={(e) => props.onChange(e.currentTarget.checked)}
        />
        <label for={id}>{props.label}</label>
      </div>
      {error && (
        <span id={`${id}-err`} class="field-error">
          {error}
        </span>
      )}
    </div>
  );
}

/** Problems found before sending, shown exactly like the server's `details`. */
export const localError = (details: FieldError[]): ApiError => new ApiError(400, t.errors.summary, details, 'invalid_request');

/** PATCH body: the fields whose value changed; a field no longer sent (an emptied optional one) is null, clearing it. */
export function changes(before: Record<string, unknown>, after: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of new Set([...Object.keys(before), ...Object.keys(after)])) {
    if (JSON.stringify(before[k]) !== JSON.stringify(after[k])) out[k] = k in after ? after[k] : null;
  }
  return out;
}

/** Radio buttons under a legend; the fieldset takes `id` (where an error summary's link sends focus). */
export function RadioGroup(props: {
  id: string;
  legend: string;
  value: string;
  onChange: (v: string) => void;
  options: [value: string, label: ComponentChildren, disabled?: boolean][];
  error?: string;
  hint?: string;
  class?: string;
}) {
  const { id, error, hint } = props;
  return (
    <fieldset
      id={id}
      tabIndex={-1}
      class={`radios${error ? ' invalid' : ''}${props.class ? ` ${props.class}` : ''}`}
      aria-describedby={described(id, error, hint)}
    >
      <legend>{props.legend}</legend>
      {hint && (
        <span id={`${id}-hint`} class="hint">
          {hint}
        </span>
      )}
      {props.options.map(([v, label, disabled]) => (
        <div class="check" key={v}>
          <input
            type="radio"
            id={`${id}-${v}`}
            name={id}
            value={v}
            checked={props.value === v}
            disabled={disabled}
            onChange={() => props.onChange(v)}
          />
          <label for={`${id}-${v}`}>{label}</label>
        </div>
      ))}
      {error && (
        <span id={`${id}-err`} class="field-error">
          {error}
        </span>
      )}
    </fieldset>
  );
}

/** A status line (role="status") for "Saving…" / "Saved" style messages. */
export function Status({ text, class: cls }: { text: string; class?: string }) {
  return (
    <p role="status" class={`status${cls ? ` ${cls}` : ''}`}>
      {text}
    </p>
  );
}

export function Alert({ text }: { text: string }) {
  return text ? (
    <p role="alert" class="alert">
      {text}
    </p>
  ) : null;
}

/** A value shown in monospace with a button that copies it. */
export function Copyable({ value, label, testId }: { value: string; label: string; testId?: string }) {
  const [state, setState] = useState('');
  const timer = useRef(0);
  useEffect(() => () => clearTimeout(timer.current), []);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value);
      setState(t.copied);
    } catch {
      setState(t.copyFailed);
    }
    clearTimeout(timer.current);
    timer.current = window.setTimeout(() => setState(''), 3000);
  };
  return (
    <span class="copyable">
      <code class="break" data-testid={testId}>
        {value}
      </code>
      <button type="button" class="btn small" onClick={copy}>
        {t.copy}
        <span class="sr-only"> {label}</span>
      </button>
      <span role="status" class="copy-status">
        {state}
      </span>
    </span>
  );
}

/** A column's heading, or its heading and the class of its cells (`num`: figures, aligned right). */
export type Column = string | [label: string, cls: string];

/**
 * A list's table: the column headings (and an empty one over the rows' actions when `actions`), then the rows,
 * scrolling sideways on a narrow screen.
 */
export function ListTable(props: {
  columns: Column[];
  actions?: boolean;
  class?: string;
  labelledBy?: string;
  testId?: string;
  children: ComponentChildren;
}) {
  return (
    <div class="table-wrap">
      <table class={props.class ? `list ${props.class}` : 'list'} aria-labelledby={props.labelledBy} data-testid={props.testId}>
        <thead>
          <tr>
            {props.columns.map((c) =>
              typeof c === 'string' ? (
                <th scope="col" key={c}>
                  {c}
                </th>
              ) : (
                <th scope="col" key={c[0]} class={c[1]}>
                  {c[0]}
                </th>
              ),
            )}
            {props.actions && <td />}
          </tr>
        </thead>
        <tbody>{props.children}</tbody>
      </table>
    </div>
  );
}

/** A row's action cell: the link that opens the row's item, its label naming the item for screen readers. */
export function RowLink({ href, label, children }: { href: string; label: string; children: ComponentChildren }) {
  return (
    <td class="row-actions">
      <a class="btn small" href={href} aria-label={label}>
        {children}
      </a>
    </td>
  );
}

/** The live updates' connection state (pages that change as things happen elsewhere: bookings, tabs). */
export function LiveIndicator() {
  const state = useLiveState();
  return (
    <p class="live" data-state={state} role="status" data-testid="live">
      <span class="dot" aria-hidden="true" />
      <span class="sr-only">{t.live.title}: </span>
      {t.live.states[state]}
    </p>
  );
}

export function RoleBadge({ role }: { role: string }) {
  return <span class={`badge role-${role}`}>{t.roles[role] ?? role}</span>;
}

export function formatDateTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleString(document.documentElement.lang || undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

export function formatDate(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleDateString(document.documentElement.lang || undefined, { dateStyle: 'medium' });
}

/** Runs an async action with busy / error / status state (for buttons that are not part of a form). */
export function useAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const [status, setStatus] = useState('');
  const run = async (fn: () => Promise<string | undefined> | Promise<void>) => {
    setBusy(true);
    setError('');
    setStatus('');
    try {
      const s = await fn();
      if (s) setStatus(s);
    } catch (err) {
      setError((err as ApiError)?.description ?? t.errors.generic);
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, status, run, setStatus, setError };
}

/**
 * A form's submit with busy / error / status state. `fn` returns the status to show ("Saved"); what it throws is
 * shown as the form's error, with the API's field `details` (or a local check's, see `localError`).
 */
export function useSubmit() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [status, setStatus] = useState('');
  const submit = async (fn: () => Promise<string | undefined> | Promise<void>) => {
    setBusy(true);
    setError(null);
    setStatus('');
    try {
      const s = await fn();
      if (s) setStatus(s);
    } catch (err) {
      setError(asApiError(err));
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, status, setStatus, setError, submit };
}

// A one-shot message for the next page (e.g. "X was deleted." shown on the list after navigating back).
let notice = '';
export const setNotice = (text: string): void => {
  notice = text;
};
export function useNotice(): string {
  const [text] = useState(() => {
    const n = notice;
    notice = '';
    return n;
  });
  return text;
}
