// What the three catalogue panels (locations, staff and resources, services) share: a list that opens one item's
// editor in its place, the editor's save (POST a new item, PATCH only what changed) and delete, and the number
// parsing of their forms.
import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, type ApiError, asApiError, type FieldError } from '../../../shared/api.ts';
import { setResource, type Resource } from '../../../shared/store.ts';
import type { BookableResource, List, Location, Service } from '../types.ts';
import { Alert, ErrorBox, Loading, Status, changes, localError, useAction } from '../ui.tsx';
import { t } from '../strings/index.ts';

export const C = t.catalogue;
export const enc = encodeURIComponent;

type Item = { id: string; name: string };
type Res<T> = Resource<T> & { reload(): void };

/** The catalogue's lists, loaded by the page for all three panels (each panel's forms need the others' items). */
export type Lists = { locations: Res<List<Location>>; resources: Res<List<BookableResource>>; services: Res<List<Service>> };

/** A list's loading or error state, or the list itself. */
export function Loaded<T>({ res, children }: { res: Res<T>; children: (data: T) => ComponentChildren }) {
  return res.data ? children(res.data) : res.loading ? <Loading /> : res.error ? <ErrorBox error={res.error} retry={res.reload} /> : null;
}

export const browserZone = (): string => Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';

/**
 * A panel shows its list, or the editor of one item (`'new'` or its id). Closing the editor returns focus to the
 * button that opened it (or the panel's heading when that button is gone, e.g. after a delete).
 */
export function usePanel(headingId: string) {
  const [editing, setEditing] = useState<string | null>(null);
  const [notice, setNotice] = useState('');
  const back = useRef('');
  useEffect(() => {
    if (editing !== null || !back.current) return;
    (document.getElementById(back.current) ?? document.getElementById(headingId))?.focus();
    back.current = '';
  }, [editing]);
  return {
    editing,
    notice,
    open(id: string, opener: string) {
      back.current = opener;
      setNotice('');
      setEditing(id);
    },
    /** After a create: the editor stays open, now on the new item. */
    show(id: string) {
      setEditing(id);
    },
    close(message = '') {
      if (!back.current) back.current = headingId;
      setNotice(message);
      setEditing(null);
    },
  };
}

/** The editor's back button and heading; the heading takes focus when the editor opens. */
export function EditorHead({ title, list, onBack }: { title: string; list: string; onBack: () => void }) {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => ref.current?.focus(), []);
  return (
    <>
      <p class="back">
        <button type="button" class="link" onClick={onBack}>
          {C.back(list)}
        </button>
      </p>
      <h2 id="cat-editor-h" tabIndex={-1} ref={ref}>
        {title}
      </h2>
    </>
  );
}

/** The "Edit"/"View" button of a list row; its id is where focus returns when the editor closes. */
export function OpenButton({ id, name, can, onOpen }: { id: string; name: string; can: boolean; onOpen: (opener: string) => void }) {
  return (
    <button type="button" id={id} class="btn small" aria-label={can ? C.editLabel(name) : C.viewLabel(name)} onClick={() => onOpen(id)}>
      {can ? C.edit : C.view}
    </button>
  );
}

export const replaceIn = <T extends Item>(path: string, list: T[], item: T): void =>
  setResource<List<T>>(path, { items: list.some((x) => x.id === item.id) ? list.map((x) => (x.id === item.id ? item : x)) : [...list, item] });

export const removeFrom = <T extends Item>(path: string, list: T[], id: string): void =>
  setResource<List<T>>(path, { items: list.filter((x) => x.id !== id) });

/** A whole number from an input, or undefined (with a problem noted unless it may be left empty). */
export function whole(v: string, field: string, problems: FieldError[], optional = false): number | undefined {
  const s = v.trim();
  if (!s) {
    if (!optional) problems.push({ field, message: C.required });
    return undefined;
  }
  if (!/^\d+$/.test(s)) {
    problems.push({ field, message: C.wholeNumber });
    return undefined;
  }
  return Number(s);
}

export type Built = { body: Record<string, unknown>; problems: FieldError[] };

/**
 * An editor's form state and submit: a new item is POSTed to `list`, an existing one PATCHed with what changed.
 * The editor stays open on the saved item ("Changes saved", or "<name> was created.").
 */
export function useItemForm<T extends Item, F>(opts: {
  item?: T;
  list: string;
  toForm: (item?: T) => F;
  toBody: (form: F) => Built;
  onSaved: (item: T) => void;
}) {
  const { item, list } = opts;
  const [form, setForm] = useState<F>(() => opts.toForm(item));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [status, setStatus] = useState('');
  const set = <K extends keyof F>(k: K, v: F[K]) => {
    setForm((f) => ({ ...f, [k]: v }));
    setStatus('');
  };
  const onSubmit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    setStatus('');
    const { body, problems } = opts.toBody(form);
    if (problems.length) {
      setError(localError(problems));
      return;
    }
    const payload = item ? changes(opts.toBody(opts.toForm(item)).body, body) : body;
    if (item && !Object.keys(payload).length) {
      setStatus(C.noChanges);
      return;
    }
    setBusy(true);
    setStatus(t.saving);
    try {
      const saved = await api<T>(item ? `${list}/${enc(item.id)}` : list, item ? 'PATCH' : 'POST', payload);
      opts.onSaved(saved);
      setForm(opts.toForm(saved));
      setStatus(item ? C.savedChanges : C.created(saved.name));
    } catch (err) {
      setStatus('');
      setError(asApiError(err));
    } finally {
      setBusy(false);
    }
  };
  return { form, set, setForm, busy, error, status, onSubmit };
}

/** Deletes the item after the browser's confirmation, like the other pages' deletes. */
export function useDelete<T extends Item>(list: string, item: T | undefined, question: (name: string) => string, onDeleted: (item: T) => void) {
  const act = useAction();
  const remove = () => {
    if (!item || !confirm(question(item.name))) return;
    void act.run(async () => {
      await api(`${list}/${enc(item.id)}`, 'DELETE');
      onDeleted(item);
    });
  };
  return { ...act, remove };
}

/**
 * An editor's buttons: Save (`save`: its words, Create for a new item) with the save's status, and `remove` (an
 * existing item's Delete) for those who may change things (`can`); what went wrong deleting, for everyone.
 */
export function EditorActions(props: {
  can: boolean;
  form: { busy: boolean; status: string };
  del: ReturnType<typeof useDelete>;
  save: string;
  remove?: ComponentChildren;
}) {
  const { form, del } = props;
  return (
    <>
      {props.can && (
        <div class="actions">
          <button type="submit" class="btn primary" disabled={form.busy}>
            {props.save}
          </button>
          <Status text={form.status} />
          {props.remove && (
            <button type="button" class="btn danger push" disabled={del.busy} onClick={del.remove}>
              {props.remove}
            </button>
          )}
        </div>
      )}
      <Alert text={del.error} />
    </>
  );
}
