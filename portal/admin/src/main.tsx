import { render } from 'preact';
import { readBoot } from './boot.ts';
import { configureApi } from '../../shared/api.ts';
import { t } from './strings/index.ts';
import { setOrgName } from './ui.tsx';
import { App } from './app.tsx';
import './styles.css';

const boot = readBoot();
configureApi(boot.bff, boot.loginUrl, t.errors);
setOrgName(boot.org.name);

render(<App boot={boot} />, document.getElementById('app')!);
