/** @jsxImportSource hono/jsx/dom */
/** The dashboard's entry point, bundled by the server (dashboard/bundle.ts) and served as /assets/app.js. */
import { render } from 'hono/jsx/dom';
import { App } from './app';

const root = document.getElementById('app');
if (root) {
  root.textContent = '';
  render(<App />, root);
}
