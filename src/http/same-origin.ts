import { ApiError, forbidden } from '../errors/api-error';
import { parseIPv4 } from '../security/parse-ipv4';
import { DEFAULT_ADMIN_PASSWORD } from '../security/password-policy';

/** Host the browser thinks it is talking to (a reverse proxy may say so in x-forwarded-host). */
export function requestHost(request: Request): string {
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

/** An IP literal (`10.1.2.3`, `[::1]`), `localhost` or a name under `.localhost`, any port: no DNS name a page's owner controls. */
function isAddressOrLocalhost(host: string): boolean {
  if (/^\[[0-9a-f:.]+\](:\d*)?$/.test(host)) return true;
  const name = host.replace(/:\d*$/, '').replace(/\.$/, '');
  return parseIPv4(name) !== null || name === 'localhost' || name.endsWith('.localhost');
}

/**
 * DNS rebinding: a page at a name its owner points at this gateway (127.0.0.1 on a developer's
 * machine) is same-origin with it, so checkSameOrigin lets its sign-in through and it reads the
 * answer. With the seeded `admin123` that hands it the gateway (and, through a provider's base URL
 * and "test", the provider keys). So the default password is taken only at a host no such page
 * can have: an IP address or localhost. Checked before the password, whoever's it is.
 */
export function checkDefaultPasswordHost(request: Request, password: string): void {
  if (password !== DEFAULT_ADMIN_PASSWORD || isAddressOrLocalhost(requestHost(request))) return;
  throw new ApiError({
    status: 403,
    message:
      'The default password is taken only at localhost or an IP address (a web page under another name could reach the gateway by DNS rebinding): ' +
      'open the dashboard at http://localhost:<port>/ (through an SSH tunnel, say) or the server\'s IP address to choose a new password. ' +
      // The setting is read by the start that creates the database only: on this one, which has users, it changes nothing.
      'LLM_PROXY__ADMIN__PASSWORD is read only when the gateway creates its database, so setting it now changes nothing.',
    type: 'permission_error',
    code: 'default_password_host',
  });
}
