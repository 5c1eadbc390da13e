/** Entry of the console bundle (scripts/build-console.mjs → dist/console/app.js). */
import { render } from 'preact';
import { App } from './app';

const root = document.getElementById('app');
if (root) render(<App />, root);
