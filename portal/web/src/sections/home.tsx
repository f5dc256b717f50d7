import type { SectionDef, PageProps } from './types.ts';
import type { Profile } from '../types.ts';
import { registry } from './index.ts';
import { useResource } from '../../../shared/store.ts';
import { Heading, useTitle } from '../ui.tsx';
import { href } from '../router.ts';
import { t } from '../strings/index.ts';

function Home(props: PageProps) {
  const { boot, visible, section } = props;
  useTitle(section.label);
  const { data } = useResource<Profile>('profile');
  const who = data?.givenName || data?.name || boot.customer.name || data?.email || boot.customer.email;
  const cards = visible.filter((s) => s.key !== 'home' && registry[s.key]?.Card);
  return (
    <>
      <Heading>{t.home.greeting(who)}</Heading>
      <p class="muted">{t.home.intro}</p>
      <div class="cards">
        {cards.map((s) => {
          const Card = registry[s.key]!.Card!;
          return (
            <section class="card" key={s.key} aria-labelledby={`card-${s.key}`}>
              <h2 id={`card-${s.key}`}>{s.label}</h2>
              <Card {...props} section={s} />
              <p class="card-link">
                <a href={href(s.key)}>{t.home.goTo(s.label)}</a>
              </p>
            </section>
          );
        })}
      </div>
    </>
  );
}

export const home: SectionDef = { Page: Home };
