import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import type { ApiError } from '../../shared/api.ts';
import type { Resource } from '../../shared/store.ts';
import type { LazyUi } from '../../shared/lazy.tsx';
import { t } from './strings/index.ts';

let orgName = '';
export const setOrgName = (n: string): void => {
  orgName = n;
};

/** document.title = "<label> · <org name>" */
export function useTitle(label: string): void {
  useEffect(() => {
    document.title = label ? `${label} · ${orgName}` : orgName;
  }, [label]);
}

/** The page's main heading; receives focus on route change. */
export function Heading({ children }: { children: ComponentChildren }) {
  return (
    <h1 id="page-title" tabIndex={-1}>
      {children}
    </h1>
  );
}

/** Moves focus to the page title (and the view to the top) when `step` changes, as a route change does. */
export function useStepFocus(step: unknown): void {
  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    document.getElementById('page-title')?.focus();
    scrollTo(0, 0);
  }, [step]);
}

/**
 * An inline "are you sure?" that `asking` opens: focus goes to its safe answer (`safe`) when it opens, and back to
 * the button that asked (`ask`) when it closes.
 */
export function useQuestionFocus(asking: boolean) {
  const ask = useRef<HTMLButtonElement>(null);
  const safe = useRef<HTMLButtonElement>(null);
  const started = useRef(false);
  useEffect(() => {
    if (!started.current) {
      started.current = true;
      return;
    }
    (asking ? safe : ask).current?.focus();
  }, [asking]);
  return { ask, safe };
}

/** What a page says after an action: a polite status line and, when something failed, an alert. */
export function Outcome({ status, failure }: { status: string; failure?: string }) {
  return (
    <>
      <p role="status" class="status">
        {status}
      </p>
      {failure && (
        <p role="alert" class="alert">
          {failure}
        </p>
      )}
    </>
  );
}

/** A resource's data once it is there; until then "Loading…", or its error (with a retry, unless `compact`: a home card). */
export function Loaded<T>({
  r,
  compact,
  children,
}: {
  r: Resource<T> & { reload(): void };
  compact?: boolean;
  children: (data: T) => ComponentChildren;
}) {
  if (r.data !== undefined) return <>{children(r.data)}</>;
  if (r.loading) return <Loading />;
  if (!r.error) return null;
  return compact ? <p role="alert">{r.error.description}</p> : <ErrorBox error={r.error} retry={r.reload} />;
}

/** Text for screen readers only, e.g. which item a repeated "Cancel" button belongs to. */
export const SrOnly = ({ children }: { children: ComponentChildren }) => <span class="sr-only">{children}</span>;

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

/** Text with its line breaks kept (CSS white-space: pre-line). */
export const Lines = ({ text }: { text: string }) => <span class="lines">{text}</span>;

export function formatDate(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleDateString(document.documentElement.lang || 'en', {
    year: 'numeric',
    month: 'long',
    day: 'numeric',
  });
}
