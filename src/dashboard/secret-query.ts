import { ApiError } from '../errors/api-error';
import { isPagePath } from './error-pages';

/**
 * The names under which the dashboard's forms carry a password or a key (sign-in, password
 * change, a user's password, a provider's key). None of them is ever read from an address.
 */
export const SECRET_FIELDS = ['password', 'current_password', 'new_password', 'confirm_password', 'api_key', 'key'] as const;

/**
 * Refuses a dashboard request whose address carries a password or key (a form sent as a GET by an
 * old page or a hand-made link): 400 `secret_in_url`, before any route reads it, with nothing of
 * the address echoed. The gateway logs no dashboard address, so the secret is stored nowhere here;
 * the browser's history may keep it, which the page says.
 */
export function refuseSecretsInUrl({ request }: { request: Request }): void {
  const q = request.url.indexOf('?');
  if (q < 0 || !isPagePath(request)) return;
  const params = new URLSearchParams(request.url.slice(q + 1));
  if (!SECRET_FIELDS.some((name) => params.has(name))) return;
  throw new ApiError({
    status: 400,
    code: 'secret_in_url',
    // Kept by no cache, and the address not handed on by the page's links.
    headers: { 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' },
    message: 'A password or key was sent in the page address, where browsers and proxies keep it: the request was refused and nothing in it was used. Clear it from this browser\'s history, and change that password or key if others can see it.',
  });
}
