import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import type { ApiError } from '../../shared/api.ts';
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

/** Text with its line breaks kept (CSS white-space: pre-line). */
export const Lines = ({ text }: { text: string }) => <span class="lines">{text}</span>;

export function formatDate(iso: string): string {
  const d = new Date(iso);
  if (isNaN(d.getTime())) return iso;
  return d.toLocaleDateString(document.documentElement.lang || 'en', {
    year: 'numeric',
    month: 'long',
    day: 'numeric',
  });
}
