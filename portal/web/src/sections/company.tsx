import type { PageProps, SectionDef } from './types.ts';
import type { Company, Policy } from '../types.ts';
import { useResource } from '../../../shared/store.ts';
import { ErrorBox, Heading, Lines, Loading, formatDate, useTitle } from '../ui.tsx';
import { href } from '../router.ts';
import { t } from '../strings/index.ts';

const C = t.company;

const isEmpty = (c: Company | undefined): boolean =>
  !c || (!c.address && !c.email && !c.phone && !c.website && !c.openingHours && !(c.policies?.length > 0));

const tel = (phone: string) => `tel:${phone.replace(/[^\d+]/g, '')}`;
const webHref = (url: string) => (/^https?:\/\//i.test(url) ? url : `https://${url}`);
const webText = (url: string) => url.replace(/^https?:\/\//i, '').replace(/\/$/, '');

function Contact({ c }: { c: Company }) {
  if (!c.email && !c.phone && !c.website) return null;
  return (
    <dl class="contact">
      {c.phone && (
        <>
          <dt>{C.phone}</dt>
          <dd>
            <a href={tel(c.phone)}>{c.phone}</a>
          </dd>
        </>
      )}
      {c.email && (
        <>
          <dt>{C.email}</dt>
          <dd class="break">
            <a href={`mailto:${c.email}`}>{c.email}</a>
          </dd>
        </>
      )}
      {c.website && (
        <>
          <dt>{C.website}</dt>
          <dd class="break">
            <a href={webHref(c.website)} target="_blank" rel="noopener noreferrer">
              {webText(c.website)}
            </a>
          </dd>
        </>
      )}
    </dl>
  );
}

function CompanyPage({ section }: PageProps) {
  const { data: c, error, loading, reload } = useResource<Company>('company');
  useTitle(section.label);
  if (!c) {
    return (
      <>
        <Heading>{section.label}</Heading>
        {loading ? <Loading /> : error && <ErrorBox error={error} retry={reload} />}
      </>
    );
  }
  return (
    <>
      <Heading>{c.name || section.label}</Heading>
      {isEmpty(c) && <p class="muted">{C.noInfo}</p>}
      <div class="cards">
        {c.address && (
          <section class="card" aria-labelledby="co-address">
            <h2 id="co-address">{C.address}</h2>
            <address>
              <Lines text={c.address} />
            </address>
          </section>
        )}
        {(c.email || c.phone || c.website) && (
          <section class="card" aria-labelledby="co-contact">
            <h2 id="co-contact">{C.contact}</h2>
            <Contact c={c} />
          </section>
        )}
        {c.openingHours && (
          <section class="card" aria-labelledby="co-hours">
            <h2 id="co-hours">{C.openingHours}</h2>
            <p>
              <Lines text={c.openingHours} />
            </p>
          </section>
        )}
        {c.policies?.length > 0 && (
          <section class="card" aria-labelledby="co-policies">
            <h2 id="co-policies">{C.policies}</h2>
            <ul class="links">
              {c.policies.map((p) => (
                <li key={p.kind}>
                  <a href={href('policies', p.kind)}>{p.title}</a>
                </li>
              ))}
            </ul>
          </section>
        )}
      </div>
    </>
  );
}

function PolicyPage({ section, param }: PageProps) {
  const kind = param ?? '';
  const valid = /^[a-z-]+$/.test(kind);
  const { data, error, loading, reload } = useResource<Policy>(valid ? `policies/${kind}` : null);
  useTitle(data?.title ?? section.label);
  return (
    <>
      <p class="back">
        <a href={href(section.key)}>{t.policy.back}</a>
      </p>
      <Heading>{data?.title ?? section.label}</Heading>
      {data ? (
        <>
          <p class="muted">{t.policy.lastUpdated(formatDate(data.updatedAt))}</p>
          <article class="card prose" dangerouslySetInnerHTML={{ __html: data.html }} />
        </>
      ) : !valid ? (
        <p role="alert">{t.errors.notFound}</p>
      ) : loading ? (
        <Loading />
      ) : (
        error && <ErrorBox error={error} retry={reload} />
      )}
    </>
  );
}

function CompanyCard() {
  const { data: c, error, loading } = useResource<Company>('company');
  if (!c) return loading ? <Loading /> : error ? <p role="alert">{error.description}</p> : null;
  return (
    <>
      {c.openingHours && (
        <>
          <h3>{C.openingHours}</h3>
          <p>
            <Lines text={c.openingHours} />
          </p>
        </>
      )}
      {(c.email || c.phone || c.website) && (
        <>
          <h3>{C.contact}</h3>
          <Contact c={c} />
        </>
      )}
    </>
  );
}

export const company: SectionDef = {
  Page: CompanyPage,
  Card: CompanyCard,
  resource: 'company',
  isEmpty,
  routes: { policies: PolicyPage },
};
