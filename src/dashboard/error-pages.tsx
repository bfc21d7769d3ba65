/** @jsxImportSource #html */
import { jsonErrorResponse, type ErrorAnswer, type ErrorPage } from '../api/error-handler';
import { authenticateRequest, bearerOf, type AuthDeps } from '../auth/authenticate';
import { readSessionCookie } from '../auth/session-cookie';
import { pathOf } from '../auth/session-guard';
import { Document, Shell } from './components/layout';
import { toDashUser } from './dash-session';
import type { DashUser } from './dash-types';
import { htmlResponse, isHtmx, wantsPartial } from './respond';
import { SECURITY_HEADERS } from './security-headers';

/** Paths the dashboard does not serve: the APIs and probes, each answering with headers of its own. */
const NOT_DASHBOARD = /^\/(v1|api|health|metrics|swagger)(\/|$)/;
/** The dashboard's scripts and styles: not pages, so their errors stay JSON. */
const ASSETS = /^\/assets(\/|$)/;

const pathOfRequest = (request: Request): string => pathOf(request.url).toLowerCase().replace(/\/{2,}/g, '/');

/** True for a path the dashboard serves (a page or an asset, not an API or probe). */
const isDashboardPath = (request: Request): boolean => !NOT_DASHBOARD.test(pathOfRequest(request));

/** True for a dashboard page's path (not an API, asset or probe). */
export const isPagePath = (request: Request): boolean => {
  const path = pathOfRequest(request);
  return !NOT_DASHBOARD.test(path) && !ASSETS.test(path);
};

/**
 * True when a failure should be answered with a dashboard page: a path of the dashboard, asked
 * for by a browser (a navigation accepts text/html) or by HTMX. curl and API clients get JSON.
 */
export function wantsErrorPage(request: Request): boolean {
  if (!isPagePath(request)) return false;
  return isHtmx(request) || (request.headers.get('accept') ?? '').includes('text/html');
}

interface ErrorText {
  title: string;
  message: string;
  /** A Retry link to the same address makes sense (the failure may pass). */
  retry: boolean;
  /** Where to go to resolve it, when that is a page of its own. */
  action?: { href: string; label: string };
}

/** What the page says: plain words for the codes a dashboard user meets, else the error's message. */
export function errorText(status: number, code: string | null, message: string, hasSession: boolean): ErrorText {
  if (code === 'store_unavailable')
    return {
      title: 'Database unavailable',
      message: hasSession
        ? 'The database cannot be reached right now, so the dashboard cannot load or save anything. You are still signed in: retry in a few seconds. The /v1 API keeps serving meanwhile.'
        : 'The database cannot be reached right now, so nobody can sign in. Retry in a few seconds. The /v1 API keeps serving meanwhile.',
      retry: true,
    };
  if (code === 'store_busy')
    return {
      title: 'Database busy',
      message: 'The database could not save this just now (another write held it, or the disk is full): retry in a moment.',
      retry: true,
    };
  if (code === 'password_change_required')
    return {
      title: 'Change your password first',
      message: 'Your account must choose a new password before it can change anything. Set one on the Password page, then try again.',
      retry: false,
      action: { href: '/change-password', label: 'Change password' },
    };
  if (code === 'csrf_failed')
    return { title: 'Not allowed', message: 'This page is out of date for your session (you signed in again elsewhere?). Reload it and try again.', retry: false };
  if (status === 404)
    return { title: 'Page not found', message: message === 'Not found.' ? 'There is no dashboard page at this address.' : message, retry: false };
  if (status === 403) return { title: 'Not allowed', message, retry: false };
  if (status === 401) return { title: 'Signed out', message: 'Your session has ended. Sign in again to continue.', retry: false };
  if (status === 413) return { title: 'Too large', message, retry: false };
  if (status === 429) return { title: 'Too many requests', message, retry: true };
  if (status === 500 && code === 'internal_error')
    return { title: 'Something went wrong', message: 'The gateway hit an unexpected error (the details are in its log). Retry, or go back to the dashboard.', retry: true };
  if (status >= 500) return { title: status === 503 ? 'Unavailable' : 'Something went wrong', message, retry: true };
  return { title: 'Request refused', message, retry: false };
}

/** The error as page content: what happened, and the way back. */
export function ErrorView(props: { status: number; text: ErrorText; retryHref: string | null; signedIn: boolean }) {
  const { text } = props;
  return (
    <div class="page" data-page="error" data-status={String(props.status)}>
      <div class="empty error-state" role="alert">
        <strong safe>{text.title}</strong>
        <div class="muted" data-error-message safe>{text.message}</div>
        <div class="error-actions">
          {props.retryHref ? <a class="btn primary" href={props.retryHref}>Retry</a> : ''}
          {text.action ? <a class="btn primary" href={text.action.href} safe>{text.action.label}</a> : ''}
          {props.status === 401
            ? <a class="btn" href="/login">Sign in</a>
            : <a class="btn" href="/">{props.signedIn ? 'Back to the dashboard' : 'Go to the dashboard'}</a>}
        </div>
      </div>
    </div>
  );
}

/** Who is signed in, when that can be told without failing again (the store may be what failed). */
function viewer(deps: AuthDeps, request: Request): DashUser | null {
  try {
    const auth = authenticateRequest(deps, request);
    return auth && !auth.user.mustChangePassword ? toDashUser(auth) : null;
  } catch {
    return null;
  }
}

/** The path and query of a GET to try again (same origin: only the path is used). */
function retryHref(request: Request, text: ErrorText): string | null {
  if (!text.retry || request.method !== 'GET') return null;
  const u = new URL(request.url);
  return u.pathname + u.search;
}

/**
 * The dashboard's error answers, same status and headers as the JSON they replace (retry-after,
 * HX-Location after a session ended): a whole page in the layout on navigation (the sidebar when
 * the viewer is known), the page's content when HTMX swaps pages into #main, and the same content
 * for other HTMX requests, which web/htmx-setup.js shows as a notice (its [data-error-message]).
 */
export function dashboardErrorPage(deps: AuthDeps): ErrorPage {
  return (request: Request, answer: ErrorAnswer) => {
    // JSON on the dashboard's paths (a missing asset, curl asking for a page) carries the security
    // headers every other dashboard answer sets (respond.ts, assets-routes.ts): the error handler
    // answers for routes that did not, so it is told here.
    if (!wantsErrorPage(request)) return isDashboardPath(request) ? jsonErrorResponse(answer, SECURITY_HEADERS) : undefined;
    const e = answer.body.error as { message: string; code?: string | null };
    const text = errorText(answer.status, e.code ?? null, e.message, readSessionCookie(request) !== null || bearerOf(request) !== undefined);
    const init = { status: answer.status, headers: answer.headers };
    const content = (signedIn: boolean) => <ErrorView status={answer.status} text={text} retryHref={retryHref(request, text)} signedIn={signedIn} />;
    if (isHtmx(request) && request.headers.get('hx-history-restore-request') !== 'true') {
      if (!wantsPartial(request)) return htmlResponse(content(true), init);
      return htmlResponse(<><title safe>{`${text.title} · GopherGate`}</title>{content(true)}</>, init);
    }
    const user = viewer(deps, request);
    if (user) return htmlResponse(<Shell user={user} title={text.title}>{content(true)}</Shell>, init);
    return htmlResponse(
      <Document title={text.title}>
        <div id="app" class="auth-wrap">
          <div class="card auth-card error-card">{content(false)}</div>
        </div>
      </Document>,
      init,
    );
  };
}
