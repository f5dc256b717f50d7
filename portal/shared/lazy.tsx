// Shared by the browser apps: pages in chunks of their own (esbuild splits at import()), fetched when one is first
// opened, so an app's first download stays within its budget. Each app brings its own Loading and ErrorBox (its words).
import type { FunctionComponent } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { ApiError } from './api.ts';

export type LazyUi = {
  Loading: FunctionComponent;
  ErrorBox: FunctionComponent<{ error: ApiError; retry?: () => void }>;
  /** What to say when the chunk cannot be fetched (offline). */
  network: string;
};

/**
 * `lazy(load, ui)(name)`: stands for the page `name` of the module `load` fetches (with that page's type), fetching the
 * module when first rendered; the pages of one module share one fetch.
 */
export function lazy<M>(load: () => Promise<M>, ui: LazyUi) {
  let loaded: M | undefined;
  return <K extends keyof M>(name: K): M[K] => {
    function LazyPage(props: object) {
      const [mod, setMod] = useState(loaded);
      const [error, setError] = useState<ApiError | null>(null);
      const fetch = () => {
        setError(null);
        load().then(
          (m) => {
            loaded = m;
            setMod(m);
            requestAnimationFrame(() => document.getElementById('page-title')?.focus()); // as after any route change
          },
          () => setError(new ApiError(0, ui.network)),
        );
      };
      useEffect(() => {
        if (!mod) fetch();
      }, []);
      if (error) return <ui.ErrorBox error={error} retry={fetch} />;
      if (!mod) return <ui.Loading />;
      const Page = mod[name] as FunctionComponent;
      return <Page {...props} />;
    }
    return LazyPage as M[K];
  };
}
