import { Elysia, t } from 'elysia';
import type { AuthDeps } from '../auth/authenticate';
import { changePassword, login, logout, type LoginResult } from '../auth/login-service';
import { clearSessionCookie, sessionCookie } from '../auth/session-cookie';
import { sessionGuard } from '../auth/session-guard';
import { checkDefaultPasswordHost, checkSameOrigin } from '../http/same-origin';
import { ADMIN_RESPONSES, ADMIN_SECURITY as security } from './openapi-admin-docs';

const tags = ['Admin'];

function sessionBody(r: LoginResult) {
  return {
    token: r.token,
    must_change_password: r.user.mustChangePassword,
    csrf_token: r.csrfToken,
    expires_at: r.expiresAt,
    user: { id: r.user.id, username: r.user.username, role: r.user.role },
  };
}

/** Sign-in, sign-out, who-am-I and password change under /api/auth. */
export function adminAuthRoutes(deps: AuthDeps) {
  const cookieFor = (r: LoginResult, request: Request) =>
    sessionCookie(r.token, (r.expiresAt - deps.auth.now()) / 1000, request);
  // Sign-out, who-am-I and the change itself stay open to a user who must change the password first.
  const signedIn = { role: 'viewer', duringPasswordChange: true } as const;
  return new Elysia({ name: 'admin-auth-routes' })
    .use(sessionGuard(deps))
    .post(
      '/api/auth/login',
      async ({ body, request, server, set }) => {
        checkSameOrigin(request); // login CSRF (the cookie set here would sign the browser in)
        checkDefaultPasswordHost(request, body.password); // DNS rebinding
        const address = server?.requestIP(request)?.address ?? 'unknown';
        const r = await login(deps, body.username, body.password, address);
        set.headers['set-cookie'] = cookieFor(r, request);
        set.headers['cache-control'] = 'no-store';
        return sessionBody(r);
      },
      {
        body: t.Object({ username: t.String({ minLength: 1, maxLength: 200 }), password: t.String({ maxLength: 1024 }) }),
        detail: {
          tags,
          responses: ADMIN_RESPONSES.login, summary: 'Sign in',
          description:
            'Returns a session token (also set as the HttpOnly `gg_session` cookie) and `csrf_token`, which cookie-authenticated mutations must send as `x-csrf-token`. Failed sign-ins are throttled per username and per address (429 with retry-after). When `must_change_password` is true, only change-password, me and logout work until the password is changed.',
        },
      },
    )
    .post(
      '/api/auth/logout',
      async ({ auth, request, set }) => {
        await logout(deps, auth.session.id);
        set.headers['set-cookie'] = clearSessionCookie(request);
        return { ok: true };
      },
      { role: signedIn, detail: { tags, security, responses: ADMIN_RESPONSES.logout, summary: 'Sign out (the token stops working at once)' } },
    )
    .get(
      '/api/auth/me',
      ({ auth, set }) => {
        set.headers['cache-control'] = 'no-store';
        const { id, username, role, mustChangePassword } = auth.user;
        return { user: { id, username, role, must_change_password: mustChangePassword }, csrf_token: auth.session.csrfToken, expires_at: auth.session.expiresAt };
      },
      { role: signedIn, detail: { tags, security, responses: ADMIN_RESPONSES.me, summary: 'The signed-in user, role and CSRF token' } },
    )
    .post(
      '/api/auth/change-password',
      async ({ auth, body, request, server, set }) => {
        const address = server?.requestIP(request)?.address ?? 'unknown';
        const r = await changePassword(deps, auth.user.id, body.current_password, body.new_password, address);
        set.headers['set-cookie'] = cookieFor(r, request);
        set.headers['cache-control'] = 'no-store';
        return sessionBody(r);
      },
      {
        role: signedIn,
        body: t.Object({ current_password: t.String({ maxLength: 1024 }), new_password: t.String({ maxLength: 1024 }) }),
        detail: {
          tags,
          security,
          responses: ADMIN_RESPONSES.changePassword, summary: 'Change your own password',
          description: 'Every existing session of the user ends; the response carries a fresh token (and cookie) for the caller. A wrong `current_password` counts as a failed sign-in of that user from that address (429 with retry-after once throttled).',
        },
      },
    );
}
