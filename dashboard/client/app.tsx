/** @jsxImportSource hono/jsx/dom */
/** The page frame: header with navigation and the live sign, the key prompt, and the page for the route. */
import { useEffect, useRef } from 'hono/jsx/dom';
import { auth, forgetKey } from './auth';
import { KeyPrompt } from './components/key-prompt';
import { StreamStatus } from './components/stream-status';
import { startFeed } from './live';
import { AccountPage } from './pages/account';
import { DedupeKeysPage } from './pages/dedupe-keys';
import { InteractionsPage } from './pages/interactions';
import { OverviewPage } from './pages/overview';
import { SettingsPage } from './pages/settings';
import { TaskPage } from './pages/task';
import { TasksPage } from './pages/tasks';
import { useRoute, type Route } from './router';
import { useStore } from './store';

const NAV = [
  { href: '#/', label: 'Overview', section: '' },
  { href: '#/tasks', label: 'Tasks', section: 'tasks' },
  { href: '#/interactions', label: 'Interactions', section: 'interactions' },
  { href: '#/dedupe-keys', label: 'Dedupe keys', section: 'dedupe-keys' },
  { href: '#/settings', label: 'Settings', section: 'settings' },
];

function PageFor({ route }: { route: Route }) {
  const [section = '', id] = route.parts;
  switch (section) {
    case '':
      return <OverviewPage route={route} />;
    case 'accounts':
      return id ? <AccountPage accountId={id} /> : <OverviewPage route={route} />;
    case 'tasks':
      return id ? <TaskPage taskId={id} /> : <TasksPage route={route} />;
    case 'interactions':
      return <InteractionsPage route={route} />;
    case 'dedupe-keys':
      return <DedupeKeysPage route={route} />;
    case 'settings':
      return <SettingsPage />;
    default:
      return (
        <section>
          <h1 tabindex={-1}>Not found</h1>
          <p>
            There is no page here. <a href="#/">Go to the overview</a>.
          </p>
        </section>
      );
  }
}

function Live({ children }: { children: unknown }) {
  useEffect(() => startFeed(), []);
  return <>{children}</>;
}

export function App() {
  const route = useRoute();
  const { key, needed, epoch } = useStore(auth);
  const main = useRef<HTMLElement>(null);
  const section = route.parts[0] === 'accounts' ? '' : (route.parts[0] ?? '');
  const path = route.parts.join('/');
  // A new page takes the focus to its heading, so keyboard and screen-reader users start at the top
  // (not on the first load, where the browser's own start is right).
  const firstPath = useRef(true);
  useEffect(() => {
    if (firstPath.current) {
      firstPath.current = false;
      return;
    }
    const heading = main.current?.querySelector('h1');
    if (heading instanceof HTMLElement) heading.focus();
  }, [path]);
  return (
    <>
      <a
        class="skip"
        href="#main"
        onClick={(e: MouseEvent) => {
          // A hash link would change the route: move the focus instead.
          e.preventDefault();
          main.current?.focus();
        }}
      >
        Skip to content
      </a>
      <header class="top">
        <a class="brand" href="#/">
          Baton
        </a>
        <nav aria-label="Main">
          <ul>
            {NAV.map((n) => (
              <li>
                <a href={n.href} aria-current={n.section === section ? 'page' : undefined}>
                  {n.label}
                </a>
              </li>
            ))}
            <li>
              <a href="/docs">API docs</a>
            </li>
          </ul>
        </nav>
        <div class="top-end">
          {needed ? null : <StreamStatus />}
          {key ? (
            <button type="button" class="link" onClick={forgetKey} data-testid="forget-key">
              Forget key
            </button>
          ) : null}
        </div>
      </header>
      <main id="main" ref={main} tabindex={-1}>
        {needed ? (
          <KeyPrompt />
        ) : (
          <Live key={epoch}>
            <PageFor key={`${epoch}:${path}`} route={route} />
          </Live>
        )}
      </main>
    </>
  );
}
