// `.dockerignore` as Docker reads it, for the patterns we use: one per line, relative to the context's root, `*`
// and `?` within a path segment, `**` across segments; a matched folder leaves out everything in it. Exceptions
// (`!pattern`) are refused rather than half-supported.

export function dockerIgnore(text: string): (relativePath: string) => boolean {
  const patterns = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((p) => {
      if (p.startsWith('!') || /[[\]\\]/.test(p)) throw new Error(`.dockerignore: the rehearsal does not read ${JSON.stringify(p)}`);
      const segments = p.replace(/^\/+|\/+$/g, '').split('/');
      const glob = (seg: string) =>
        seg
          .replace(/[.+^${}()|]/g, '\\$&')
          .replace(/\*/g, '[^/]*')
          .replace(/\?/g, '[^/]');
      const source = segments
        .map((seg, i) => {
          const last = i === segments.length - 1;
          if (seg === '**') return last ? '.*' : '(?:.*/)?';
          return glob(seg) + (last ? '' : '/');
        })
        .join('');
      return new RegExp(`^${source}$`);
    });
  return (relativePath) => {
    const parts = relativePath.split('/');
    // The path itself or any folder above it.
    return parts.some((_, i) => patterns.some((re) => re.test(parts.slice(0, i + 1).join('/'))));
  };
}
