import { render } from 'preact';
import './styles.css';

render(<p>Admin console</p>, document.getElementById('app')!);
