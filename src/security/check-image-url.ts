import { ApiError } from '../errors/api-error';
import { classifyAddress, isIpLiteral } from './classify-address';
import { systemResolver, type HostResolver } from './resolve-host';

/** Normalises an allow-list entry or URL host for comparison: lower case, no brackets. */
export function normalizeHost(host: string): string {
  const h = host.trim().toLowerCase();
  return h.startsWith('[') && h.endsWith(']') ? h.slice(1, -1) : h;
}

/** What the gateway downloads: an image, or (an Anthropic `document` by URL) a PDF. */
export type UrlKind = 'image' | 'document';

/**
 * Decides whether the gateway may download an image (or a document) from `url` (SSRF guard). Refuses anything
 * but http(s); then, unless the host is in `allowHosts`, resolves it and refuses when ANY of its
 * addresses is not public — a name with one public and one private A record must not pass,
 * since the fetch may pick either. Throws a 400 ApiError (param `image_url`, or `document_url`); returns the URL.
 *
 * Residual risk: the fetch resolves the name again, so a DNS answer that changes between the
 * check and the connect (rebinding with a zero TTL) is not caught here.
 */
export async function checkImageUrl(
  url: string,
  allowHosts: readonly string[],
  resolve: HostResolver = systemResolver,
  kind: UrlKind = 'image',
): Promise<URL> {
  const refused = (reason: string) => new ImageUrlRefused(reason, kind);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw refused('not a valid URL');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw refused(`scheme '${parsed.protocol.replace(/:$/, '')}'`);
  }
  const host = normalizeHost(parsed.hostname);
  if (host === '') throw refused('no host');
  if (allowHosts.some((h) => normalizeHost(h) === host)) return parsed;

  let addresses: string[];
  if (isIpLiteral(host)) {
    addresses = [host];
  } else {
    try {
      addresses = await resolve(host);
    } catch {
      throw refused(`host '${host}' could not be resolved`);
    }
  }
  if (addresses.length === 0) throw refused(`host '${host}' could not be resolved`);
  for (const address of addresses) {
    const cls = classifyAddress(address);
    if (cls !== 'public') {
      throw refused(`host '${host}' resolves to a ${cls.replace('_', '-')} address (${address})`);
    }
  }
  return parsed;
}

/**
 * Every refusal gives the client the same words, so a key holder cannot tell "does not resolve"
 * from "resolves inside your network" and map internal host names. The reason is kept for the
 * log row (`logMessage`, see proxy/upstream-redirect.ts logMessageOf).
 */
export const IMAGE_URL_REFUSED =
  'Image URL refused: the gateway fetches images only from http(s) URLs whose host resolves to public addresses ' +
  '(or a data URI). An operator can allow a host with LLM_PROXY__SECURITY__IMAGE_URL_ALLOW_HOSTS.';

/** The same refusal for a document by URL (the guard and its allow-list are the images'). */
export const DOCUMENT_URL_REFUSED =
  'Document URL refused: the gateway fetches documents only from http(s) URLs whose host resolves to public addresses. ' +
  'An operator can allow a host with LLM_PROXY__SECURITY__IMAGE_URL_ALLOW_HOSTS.';

export class ImageUrlRefused extends ApiError {
  readonly logMessage: string;
  constructor(reason: string, kind: UrlKind = 'image') {
    const message = kind === 'image' ? IMAGE_URL_REFUSED : DOCUMENT_URL_REFUSED;
    super({ status: 400, message, type: 'invalid_request_error', code: `invalid_${kind}_url`, param: `${kind}_url` });
    this.logMessage = `${message} (${reason})`;
  }
}
