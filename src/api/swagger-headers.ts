import { createHash } from 'node:crypto';

/**
 * Security headers for the Swagger UI page. The page (rendered by @elysiajs/openapi) has one
 * inline script that starts Swagger UI; it is allowed by its hash, nothing else inline may run.
 * Styles: Swagger UI and the page's dark-mode block use inline styles.
 */
export function swaggerCsp(html: string): string {
  const hashes = [...html.matchAll(/<script(?![^>]*\bsrc=)[^>]*>([\s\S]*?)<\/script>/gi)].map(
    (m) => `'sha256-${createHash('sha256').update(m[1]!).digest('base64')}'`,
  );
  return [
    "default-src 'self'",
    `script-src 'self' ${hashes.join(' ')}`.trim(),
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

export const SWAGGER_HEADERS: Record<string, string> = {
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
};

/** The response with the headers above (and the CSP when it is the HTML page). */
export async function withSwaggerHeaders(res: Response): Promise<Response> {
  const type = res.headers.get('content-type') ?? '';
  const headers = new Headers(res.headers);
  for (const [k, v] of Object.entries(SWAGGER_HEADERS)) headers.set(k, v);
  if (!type.startsWith('text/html')) return new Response(res.body, { status: res.status, headers });
  const html = await res.text();
  headers.set('content-security-policy', swaggerCsp(html));
  return new Response(html, { status: res.status, headers });
}
