/** @jsxImportSource #html */
import { Elysia } from 'elysia';
import { authenticateRequest, type AuthDeps } from '../../auth/authenticate';
import { changePassword, login, logout, type LoginResult } from '../../auth/login-service';
import { clearSessionCookie, sessionCookie } from '../../auth/session-cookie';
import { ApiError } from '../../errors/api-error';
import { checkDefaultPasswordHost, checkSameOrigin } from '../../http/same-origin';
import { field, pageGuard, rawField } from '../dash-session';
import { CHANGE_PASSWORD_ERRORS, ChangePasswordPage, LoginPage } from '../pages/auth-views';
import { formErrorsInto } from '../page-response';
import { htmlResponse, isHtmx, redirect } from '../respond';

const hidden = { detail: { hide: true } };
// Sign-out and the password change stay open to a user who must change the password first.
const signedIn = () => ({ ...hidden, role: { role: 'viewer', duringPasswordChange: true } }) as const;

/** Adds a Set-Cookie header to a redirect built by `redirect()`. */
function withCookie(res: Response, cookie: string): Response {
  res.headers.append('set-cookie', cookie);
  res.headers.set('cache-control', 'no-store');
  return res;
}

/** Sign-in, sign-out and the (possibly forced) password change, as HTML forms. */
export function authPages(deps: AuthDeps) {
  const cookieFor = (r: LoginResult, request: Request) =>
    sessionCookie(r.token, (r.expiresAt - deps.auth.now()) / 1000, request);

  return new Elysia({ name: 'dashboard-auth-pages' })
    .use(pageGuard(deps))
    .get('/login', ({ request }) => {
      const auth = authenticateRequest(deps, request);
      if (auth) return redirect(request, auth.user.mustChangePassword ? '/change-password' : '/');
      return htmlResponse(<LoginPage />);
    }, hidden)
    .post('/login', async ({ body, request, server }) => {
      // Login CSRF: a page elsewhere must not sign this browser into the attacker's account.
      checkSameOrigin(request);
      const username = field(body, 'username');
      const address = server?.requestIP(request)?.address ?? 'unknown';
      try {
        checkDefaultPasswordHost(request, rawField(body, 'password')); // DNS rebinding
        // The same service as POST /api/auth/login: throttling and hashing live there.
        const r = await login(deps, username, rawField(body, 'password'), address);
        return withCookie(redirect(request, r.user.mustChangePassword ? '/change-password' : '/'), cookieFor(r, request));
      } catch (err) {
        if (!(err instanceof ApiError) || err.status >= 500) throw err;
        return htmlResponse(<LoginPage username={username} errors={[err.message]} />, { status: err.status, headers: err.headers });
      }
    }, hidden)
    .post('/logout', async ({ auth, request }) => {
      await logout(deps, auth.session.id);
      return withCookie(redirect(request, '/login'), clearSessionCookie(request));
    }, signedIn())
    .get('/change-password', ({ request }) => {
      const auth = authenticateRequest(deps, request);
      if (!auth) return redirect(request, '/login');
      return htmlResponse(<ChangePasswordPage csrfToken={auth.session.csrfToken} username={auth.user.username} forced={auth.user.mustChangePassword} />);
    }, hidden)
    .post('/change-password', async ({ auth, body, request, server }) => {
      const next = rawField(body, 'new_password');
      // Into the form's slot, not a new copy of the page: the three passwords stay as typed (and
      // are never sent back in the page), the field at fault marked (web/swap-focus.js).
      // Sent with JavaScript off, the form is a page of its own: the page again, the error in its slot.
      const refused = (errors: string[], param: string | null, init?: { status: number; headers?: Record<string, string> }) =>
        isHtmx(request)
          ? formErrorsInto(CHANGE_PASSWORD_ERRORS, { errors, param }, init)
          : htmlResponse(<ChangePasswordPage csrfToken={auth.session.csrfToken} username={auth.user.username} forced={auth.user.mustChangePassword} errors={errors} param={param} />,
            { status: init?.status ?? 422, headers: init?.headers });
      if (next !== rawField(body, 'confirm_password')) return refused(['The two new passwords differ.'], 'confirm_password');
      const address = server?.requestIP(request)?.address ?? 'unknown';
      try {
        const r = await changePassword(deps, auth.user.id, rawField(body, 'current_password'), next, address);
        return withCookie(redirect(request, '/'), cookieFor(r, request));
      } catch (err) {
        if (!(err instanceof ApiError) || err.status >= 500) throw err;
        // Throttled guesses keep their 429 and retry-after, as on the sign-in form.
        return err.status === 429 ? refused([err.message], null, { status: 429, headers: err.headers }) : refused([err.message], err.param);
      }
    }, signedIn());
}
