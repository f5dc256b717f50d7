import { render } from 'preact';
import { readBoot } from './boot.ts';
import { configureApi } from '../../shared/api.ts';
import { t } from './strings/index.ts';
import { setOrgName } from './ui.tsx';
import { App } from './app.tsx';
import { Preview } from './preview.tsx';
import './styles.css';

const boot = readBoot();
configureApi(boot.bff, boot.loginUrl, t.errors);
setOrgName(boot.org.name);

const root = document.documentElement;
const b = boot.portal.branding;
if (!root.dataset.theme && b.theme) root.dataset.theme = b.theme;
if (b.faviconUrl && !document.querySelector('link[rel~="icon"]')) {
  const l = document.createElement('link');
  l.rel = 'icon';
  l.href = b.faviconUrl;
  document.head.appendChild(l);
}

render(boot.preview === true ? <Preview boot={boot} /> : <App boot={boot} />, document.getElementById('app')!);
