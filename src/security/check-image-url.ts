import { badRequest } from '../errors/api-error';
import { classifyAddress, isIpLiteral } from './classify-address';
import { systemResolver, type HostResolver } from './resolve-host';

/** Normalises an allow-list entry or URL host for comparison: lower case, no brackets. */
export function normalizeHost(host: string): string {
  const h = host.trim().toLowerCase();
  return h.startsWith('[') && h.endsWith(']') ? h.slice(1, -1) : h;
}

/**
 * Decides whether the gateway may download an image from `url` (SSRF guard). Refuses anything
 * but http(s); then, unless the host is in `allowHosts`, resolves it and refuses when ANY of its
 * addresses is not public — a name with one public and one private A record must not pass,
 * since the fetch may pick either. Throws a 400 ApiError (param `image_url`); returns the URL.
 *
 * Residual risk: the fetch resolves the name again, so a DNS answer that changes between the
 * check and the connect (rebinding with a zero TTL) is not caught here.
 */
export async function checkImageUrl(
  url: string,
  allowHosts: readonly string[],
  resolve: HostResolver = systemResolver,
): Promise<URL> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw refused('Image URL is not a valid URL.');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw refused(`Image URL scheme '${parsed.protocol.replace(/:$/, '')}' is not allowed; use http(s) or a data URI.`);
  }
  const host = normalizeHost(parsed.hostname);
  if (host === '') throw refused('Image URL has no host.');
  if (allowHosts.some((h) => normalizeHost(h) === host)) return parsed;

  let addresses: string[];
  if (isIpLiteral(host)) {
    addresses = [host];
  } else {
    try {
      addresses = await resolve(host);
    } catch {
      throw refused(`Image URL host '${host}' could not be resolved.`);
    }
  }
  if (addresses.length === 0) throw refused(`Image URL host '${host}' could not be resolved.`);
  for (const address of addresses) {
    const cls = classifyAddress(address);
    if (cls !== 'public') {
      throw refused(
        `Image URL host '${host}' resolves to a ${cls.replace('_', '-')} address, which the gateway does not fetch from. ` +
          'An operator can allow the host with LLM_PROXY__SECURITY__IMAGE_URL_ALLOW_HOSTS.',
      );
    }
  }
  return parsed;
}

function refused(message: string) {
  return badRequest(message, 'image_url', 'invalid_image_url');
}
