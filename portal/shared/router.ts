// Shared by the browser apps: hash routes (`#/<name>/<param>`), so the server serves one page per app and a reload
// keeps the place. `home` is the route of an empty hash.
import { useEffect, useState } from 'preact/hooks';

export type Route = { name: string; param?: string };

export function hashRoutes(home: string) {
  function parseHash(hash: string): Route {
    const path = hash.replace(/^#\/?/, '').replace(/\/+$/, '');
    if (!path) return { name: home };
    const [name, ...rest] = path.split('/').map((p) => {
      try {
        return decodeURIComponent(p);
      } catch {
        return p;
      }
    });
    return rest.length ? { name: name!, param: rest.join('/') } : { name: name! };
  }

  const href = (name: string, param?: string): string => (name === home ? '#/' : `#/${name}${param ? `/${encodeURIComponent(param)}` : ''}`);

  const go = (name: string, param?: string): void => {
    location.hash = href(name, param);
  };

  /** Current hash route. Hashes that are not routes (no leading "#/") are ignored. */
  function useRoute(): Route {
    const [route, setRoute] = useState(() => parseHash(location.hash));
    useEffect(() => {
      const on = () => {
        const h = location.hash;
        if (!h || h === '#' || h.startsWith('#/')) setRoute(parseHash(h));
      };
      addEventListener('hashchange', on);
      return () => removeEventListener('hashchange', on);
    }, []);
    return route;
  }

  return { parseHash, href, go, useRoute };
}
