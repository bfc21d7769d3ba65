import { forbidden } from '../errors/api-error';

/** Host the browser thinks it is talking to (a reverse proxy may say so in x-forwarded-host). */
function requestHost(request: Request): string {
  return (request.headers.get('x-forwarded-host') ?? request.headers.get('host') ?? new URL(request.url).host).split(',')[0]!.trim().toLowerCase();
}

/**
 * Refuses a browser request sent by another site. Browsers send Origin on every cross-origin
 * POST (and `null` from sandboxed or privacy-sensitive contexts); it must name this gateway's
 * host. Requests without Origin (curl, scripts, old same-origin form posts) pass: a page
 * elsewhere cannot make a browser leave it out of a cross-site POST.
 */
export function checkSameOrigin(request: Request, what = 'sign-in'): void {
  const origin = request.headers.get('origin');
  if (origin === null) return;
  let host: string;
  try {
    host = new URL(origin).host.toLowerCase();
  } catch {
    throw forbidden(`Cross-site ${what} is refused (bad Origin header).`);
  }
  if (origin === 'null' || host !== requestHost(request)) throw forbidden(`Cross-site ${what} is refused.`);
}
