// The form that creates a thing named by a slug and a display name (a portal, a flow): both fields required, the
// API's field errors beside them, and on success the new thing's page.
import { useState } from 'preact/hooks';
import { api, asApiError, type ApiError } from '../../shared/api.ts';
import { invalidate, setResource } from '../../shared/store.ts';
import { go } from './router.ts';
import { FormError, TextField, fieldErrors } from './ui.tsx';

type Texts = { createTitle: string; slug: string; slugHint: string; create: string };

/** `collection`: the Admin API's collection and the console's route ('portals', 'flows'); `name`: the display name's field and label. */
export function CreateBySlug({
  collection,
  name,
  texts,
  prefix,
}: {
  collection: string;
  name: { key: string; label: string };
  texts: Texts;
  prefix: string;
}) {
  const [slug, setSlug] = useState('');
  const [named, setNamed] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const keyOf = (path: string[]) => (path[0] === 'slug' || path[0] === name.key ? path[0] : undefined);
  const errors = fieldErrors(error, keyOf);
  const onSubmit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const created = await api<{ slug: string }>(collection, 'POST', { slug: slug.trim(), [name.key]: named.trim() });
      setResource(`${collection}/${created.slug}`, created);
      invalidate(collection);
      go(collection, created.slug);
    } catch (err) {
      setError(asApiError(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <section class="card" aria-labelledby="create-h">
      <h2 id="create-h">{texts.createTitle}</h2>
      <form onSubmit={onSubmit} noValidate>
        <FormError error={error} keyOf={keyOf} labels={{ slug: texts.slug, [name.key]: name.label }} prefix={prefix} />
        <div class="grid2">
          <TextField id={`${prefix}-slug`} label={texts.slug} value={slug} onInput={setSlug} hint={texts.slugHint} error={errors.slug} required />
          <TextField id={`${prefix}-${name.key}`} label={name.label} value={named} onInput={setNamed} error={errors[name.key]} required />
        </div>
        <div class="actions">
          <button type="submit" class="btn primary" disabled={busy || !slug.trim() || !named.trim()}>
            {texts.create}
          </button>
        </div>
      </form>
    </section>
  );
}
