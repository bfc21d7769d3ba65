/** @jsxImportSource #html */
import type { Children } from '@kitajs/html';
import { assetUrl, DASHBOARD_SCRIPTS } from '../assets-routes';
import type { DashUser, NavKey } from '../dash-types';
import { CsrfField, postTo } from './ui';

const NAV: { key: NavKey; href: string; label: string; adminOnly?: boolean }[] = [
  { key: 'usage', href: '/', label: 'Usage' },
  { key: 'monitor', href: '/monitor', label: 'Monitoring' },
  { key: 'logs', href: '/logs', label: 'Logs' },
  { key: 'clients', href: '/clients', label: 'Clients' },
  { key: 'teams', href: '/teams', label: 'Teams' },
  { key: 'providers', href: '/providers', label: 'Providers' },
  { key: 'models', href: '/models', label: 'Models' },
  { key: 'groups', href: '/groups', label: 'Model groups' },
  { key: 'users', href: '/users', label: 'Users', adminOnly: true },
];

/** The sidebar's pages, for tests and the role texts below. */
export const NAV_PAGES: readonly { readonly href: string; readonly label: string; readonly adminOnly?: boolean }[] = NAV;

/** What a viewer may do, from the sidebar (README "Dashboard" says the same). */
export const VIEWER_SCOPE = `Viewers read every page but ${NAV.filter((p) => p.adminOnly).map((p) => p.label).join(', ')} (${NAV.filter((p) => !p.adminOnly).map((p) => p.label).join(', ')}) and change nothing but their own password.`;

/** <head> + <body> with every script as a same-origin file (the CSP forbids inline ones). */
export function Document(props: { title: string; children: Children }) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="color-scheme" content="light dark" />
        <title safe>{`${props.title} · GopherGate`}</title>
        <link rel="icon" href={assetUrl('favicon.svg')} type="image/svg+xml" />
        <link rel="stylesheet" href={assetUrl('app.css')} />
        {/* The dashboard's scripts first and not deferred (DASHBOARD_SCRIPTS says why, and their
            order); format.js (format.ts for the browser) before them. */}
        <script src={assetUrl('format.js')}></script>
        {DASHBOARD_SCRIPTS.map((name) => <script src={assetUrl(name)}></script>)}
        <script src={assetUrl('htmx.min.js')} defer></script>
        <script src={assetUrl('chart.umd.min.js')} defer></script>
        <script src={assetUrl('alpine.min.js')} defer></script>
      </head>
      <body>{props.children}</body>
    </html>
  );
}

/** The signed-in frame: sidebar, and #main where HTMX swaps page partials. */
export function Shell(props: { user: DashUser; active?: NavKey; title: string; children: Children }) {
  const { user } = props;
  const headers = JSON.stringify({ 'x-csrf-token': user.csrfToken });
  return (
    <Document title={props.title}>
      {/* hx-headers lives on #app (not <body>) so a login/logout swap of body's content replaces
          the token too; every hx-post/hx-delete below inherits it. */}
      <div id="app" class="app" hx-headers={headers} data-role={user.role}>
        {/* The first Tab stop: past the sidebar's dozen links and buttons to the page itself. */}
        <a class="skip-link" href="#main">Skip to content</a>
        {/* The aside stretches to the page's full height (its background and border go all the
            way down); the inner column sticks to the viewport so nav and sign-out stay in reach. */}
        <aside class="sidebar">
          <div class="sidebar-inner">
            <a class="brand" href="/">
              <img src={assetUrl('favicon.svg')} alt="" width="24" height="24" />
              <span>GopherGate</span>
            </a>
            <nav class="nav" hx-target="#main" hx-push-url="true">
              {NAV.filter((n) => !n.adminOnly || user.role === 'admin').map((n) => (
                <a href={n.href} hx-get={n.href} class={n.key === props.active ? 'active' : undefined} data-nav={n.key}>
                  {n.label}
                </a>
              ))}
            </nav>
            <div class="sidebar-foot">
              <div class="whoami">
                <span class="user" safe>{user.username}</span>
                <span class={`badge role-${user.role}`}>{user.role}</span>
              </div>
              <div class="foot-actions">
                <button type="button" class="btn ghost small" data-theme-toggle title="Switch light/dark theme">Theme</button>
                {/* A whole page (the sign-in card's frame), so a plain link rather than an HTMX swap. */}
                <a class="btn ghost small" href="/change-password" title="Change your password">Password</a>
                {/* The API's reference (README: /swagger): nothing in the dashboard led there. A page of its own, beside this one. */}
                <a class="btn ghost small" href="/swagger" target="_blank" rel="noopener" title="The gateway's API reference (Swagger UI), in a new tab">API docs</a>
                <form {...postTo('/logout')}>
                  <CsrfField token={user.csrfToken} />
                  <button type="submit" class="btn ghost small">Log out</button>
                </form>
              </div>
            </div>
          </div>
        </aside>
        <main id="main" class="main" tabindex="-1">{props.children}</main>
      </div>
    </Document>
  );
}

/** Page heading with an optional right-hand slot (filters, range picker). */
export function PageHeader(props: { title: string; subtitle?: string; children?: Children }) {
  return (
    <header class="page-header">
      <div>
        <h1 safe>{props.title}</h1>
        {props.subtitle ? <p class="muted" safe>{props.subtitle}</p> : ''}
      </div>
      <div class="page-actions">{props.children}</div>
    </header>
  );
}

/** What to show when a list is empty: say what it is and what to do next. */
export function EmptyState(props: { title: string; children?: Children }) {
  return (
    <div class="empty">
      <strong safe>{props.title}</strong>
      <div class="muted">{props.children}</div>
    </div>
  );
}
