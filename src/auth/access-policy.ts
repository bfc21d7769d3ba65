import { timingSafeEqual } from 'node:crypto';
import { ApiError, forbidden } from '../errors/api-error';
import { checkSameOrigin } from '../http/same-origin';
import { authenticateRequest, type AuthDeps, type AuthResult, type Role } from './authenticate';

/** What a route needs: no session at all, or a session of at least `role`. */
export type AccessRule = { public: true } | { public?: false; role: Role; duringPasswordChange?: boolean };

export const CSRF_HEADER = 'x-csrf-token';
/**
 * The same token as a form field: what a dashboard form posted with JavaScript off carries (a
 * browser cannot add a header then). Only the dashboard's forms read it; /api takes the header alone.
 */
export const CSRF_FIELD = '_csrf';

// Routes a user with a forced password change may still use (exact paths only: anything
// that merely looks similar gets the stricter default).
const PASSWORD_CHANGE_PATHS = new Set(['/api/auth/change-password', '/api/auth/logout', '/api/auth/me']);
const PUBLIC_PATHS = new Set(['/api/auth/login']);

export const isSafeMethod = (method: string) => method === 'GET' || method === 'HEAD';

/** Lower-cased, decoded, single-slashed path without a trailing slash: only for prefix tests. */
function loosePath(pathname: string): string {
  let p = pathname;
  try {
    p = decodeURIComponent(p);
  } catch {
    // keep it raw; the strict default below still applies
  }
  p = p.toLowerCase().replace(/\/{2,}/g, '/');
  return p.length > 1 ? p.replace(/\/+$/, '') : p;
}

/** True for every path the /api policy covers, however it is spelled. */
export function isApiPath(pathname: string): boolean {
  const p = loosePath(pathname);
  return p === '/api' || p.startsWith('/api/');
}

/**
 * The rule for one /api request. Default-deny: reads need a viewer, /api/users needs an admin
 * even to read, and every other method needs an admin. New routes are covered without edits.
 */
export function apiAccessRule(method: string, pathname: string): AccessRule {
  const exact = pathname.length > 1 ? pathname.replace(/\/$/, '') : pathname;
  if (PUBLIC_PATHS.has(exact) && method === 'POST') return { public: true };
  if (PASSWORD_CHANGE_PATHS.has(exact)) return { role: 'viewer', duringPasswordChange: true };
  const loose = loosePath(pathname);
  if (loose === '/api/users' || loose.startsWith('/api/users/')) return { role: 'admin' };
  return { role: isSafeMethod(method) ? 'viewer' : 'admin' };
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export const sessionRequired = () =>
  new ApiError({
    status: 401,
    message: 'Sign in first: send the session cookie or `Authorization: Bearer <token>` from POST /api/auth/login.',
    type: 'authentication_error',
    code: 'invalid_session',
  });

const csrfFailed = () =>
  new ApiError({ status: 403, message: `Missing or wrong ${CSRF_HEADER} header for this session.`, type: 'permission_error', code: 'csrf_failed' });

/**
 * Checks a request against a rule and returns who it is; throws OpenAI-shaped 401/403 errors.
 * Order: session, CSRF (cookie sessions on unsafe methods), forced password change, role.
 * `formToken`: the CSRF_FIELD of a dashboard form, taken when the header is absent; such a
 * request must also come from this gateway's own pages (checkSameOrigin), as a header can only.
 */
export function enforceAccess(deps: AuthDeps, request: Request, rule: Exclude<AccessRule, { public: true }>, formToken?: string): AuthResult {
  const auth = authenticateRequest(deps, request);
  if (!auth) throw sessionRequired();
  if (auth.via === 'cookie' && !isSafeMethod(request.method)) {
    const header = request.headers.get(CSRF_HEADER);
    const given = header ?? formToken;
    if (!given || !sameSecret(given, auth.session.csrfToken)) throw csrfFailed();
    if (header === null) checkSameOrigin(request, 'form submission');
  }
  if (auth.user.mustChangePassword && !rule.duringPasswordChange)
    throw new ApiError({
      status: 403,
      message: 'Change your password first: POST /api/auth/change-password.',
      type: 'permission_error',
      code: 'password_change_required',
    });
  if (rule.role === 'admin' && auth.user.role !== 'admin') throw forbidden('This action needs the admin role.');
  return auth;
}
