// A page in a chunk of its own (esbuild splits at import()), fetched when it is first opened, so the portal's first
// download stays within its budget: a page most visits never open (Membership) costs nothing until it is.
import type { FunctionComponent } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { PageProps } from './sections/types.ts';
import { ApiError } from '../../shared/api.ts';
import { ErrorBox, Loading } from './ui.tsx';
import { t } from './strings/index.ts';

export function lazyPage<M>(load: () => Promise<M>, name: keyof M): FunctionComponent<PageProps> {
  let loaded: M | undefined;
  return function LazyPage(props: PageProps) {
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
        () => setError(new ApiError(0, t.errors.network)),
      );
    };
    useEffect(() => {
      if (!mod) fetch();
    }, []);
    if (error) return <ErrorBox error={error} retry={fetch} />;
    if (!mod) return <Loading />;
    const Page = mod[name] as FunctionComponent<PageProps>;
    return <Page {...props} />;
  };
}
