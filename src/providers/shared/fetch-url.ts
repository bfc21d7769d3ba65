import { ApiError, badRequest } from '../../errors/api-error';
import { readWholeAnswer } from './read-capped';
import { outOfDescriptors } from '../../http/out-of-descriptors';
import { isDescriptorCode } from '../../runtime/descriptors';
import { checkImageUrl, type UrlKind } from '../../security/check-image-url';
import type { HostResolver } from '../../security/resolve-host';
import type { AdapterDeps } from '../types';
import { hasPdfHeader } from '../../usage/file-tokens';

export interface UrlFetcherOptions {
  /** Hosts that may resolve to private/loopback/link-local addresses (LLM_PROXY__SECURITY__IMAGE_URL_ALLOW_HOSTS). */
  allowHosts: readonly string[];
  /** What is fetched: an image (any `image/*`, the default) or a document (a PDF); it names the errors too. */
  kind?: UrlKind;
  /** Whole download (every hop, headers and body). */
  timeoutMs?: number;
  /** Largest image or document accepted; the body is cut off as soon as it grows past this. */
  maxBytes?: number;
  /** Redirects followed, each one checked again. */
  maxRedirects?: number;
  /** Injectable for tests; defaults to the system resolver. */
  resolve?: HostResolver;
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

/** How each kind of download is asked for, accepted and named in its errors. */
const KINDS = {
  image: { noun: 'Image', accept: 'image/*', takes: (t: string) => t.startsWith('image/'), not: 'not an image', param: 'image_url', invalid: 'invalid_image_url', tooLarge: 'image_too_large', opens: null },
  // Anthropic's URL document source is a PDF's (its `url` source takes no other type). Its bytes must
  // open as one too: an error page served as application/pdf would otherwise reach the model (billed)
  // and count_tokens would count it as a PDF.
  document: { noun: 'Document', accept: 'application/pdf', takes: (t: string) => t === 'application/pdf', not: 'not a PDF', param: 'document_url', invalid: 'invalid_document_url', tooLarge: 'document_too_large', opens: hasPdfHeader },
} as const;

/**
 * Downloads remote images and documents for providers that only take inline bytes (Gemini,
 * Ollama; OpenAI's documents), under the SSRF guard. Redirects are followed by hand so that every
 * hop's host goes through the same check (fetch's own redirect handling would happily follow a
 * public URL to 169.254.169.254).
 */
export function createUrlFetcher(opts: UrlFetcherOptions): AdapterDeps['fetchImage'] {
  const kind = opts.kind ?? 'image';
  const k = KINDS[kind];
  const failed = (message: string) => badRequest(`${k.noun} URL ${message}`, k.param, k.invalid);
  const tooLarge = (maxBytes: number) =>
    badRequest(`${k.noun} is larger than ${maxBytes >= 1 << 20 ? `${Math.round(maxBytes / (1 << 20))} MiB` : `${maxBytes} bytes`}.`, k.param, k.tooLarge);
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const maxBytes = opts.maxBytes ?? 20 * 1024 * 1024;
  const maxRedirects = opts.maxRedirects ?? 3;

  return async (url, signal) => {
    const timeout = AbortSignal.timeout(timeoutMs);
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
    try {
      let current = url;
      for (let hop = 0; ; hop++) {
        const checked = await checkImageUrl(current, opts.allowHosts, opts.resolve, kind);
        const res = await fetch(checked, {
          redirect: 'manual',
          signal: combined,
          headers: { accept: k.accept, 'user-agent': 'GopherGate image fetcher' },
        });
        if (REDIRECT_STATUSES.has(res.status)) {
          await res.body?.cancel();
          const location = res.headers.get('location');
          if (!location) throw failed(`redirected (${res.status}) without a Location header.`);
          if (hop >= maxRedirects) throw failed(`redirected more than ${maxRedirects} times.`);
          current = new URL(location, checked).href;
          continue;
        }
        if (!res.ok) {
          await res.body?.cancel();
          throw failed(`returned HTTP ${res.status}.`);
        }
        const mimeType = (res.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
        if (!k.takes(mimeType)) {
          await res.body?.cancel();
          throw failed(`returned content type '${mimeType || 'none'}', ${k.not}.`);
        }
        const bytes = await readWholeAnswer(res, maxBytes, () => tooLarge(maxBytes));
        if (k.opens && !k.opens(bytes)) throw failed(`returned content that is ${k.not} (it was sent as '${mimeType}').`);
        return { mimeType, base64: Buffer.from(bytes).toString('base64') };
      }
    } catch (err) {
      if (err instanceof ApiError) throw err;
      if (timeout.aborted) throw failed(`did not answer within ${Math.round(timeoutMs / 1000)} s.`);
      // The client went away: let the caller see the abort as it is.
      if (signal?.aborted) throw err;
      const code = (err as { code?: unknown } | null)?.code;
      if (isDescriptorCode(code)) throw outOfDescriptors(code, `the ${kind} URL`);
      throw failed('could not be fetched.');
    }
  };
}
