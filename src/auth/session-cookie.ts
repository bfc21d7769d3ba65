export const SESSION_COOKIE = 'gg_session';

/** True when the browser reached us over https (directly, or through a proxy that says so). */
export function isHttps(request: Request): boolean {
  const proto = request.headers.get('x-forwarded-proto')?.split(',')[0]?.trim().toLowerCase();
  if (proto) return proto === 'https';
  return new URL(request.url).protocol === 'https:';
}

/** Set-Cookie value for a session: HttpOnly, SameSite=Strict, Secure over https. */
export function sessionCookie(token: string, maxAgeS: number, request: Request): string {
  const secure = isHttps(request) ? '; Secure' : '';
  return `${SESSION_COOKIE}=${token}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${Math.max(0, Math.floor(maxAgeS))}${secure}`;
}

export function clearSessionCookie(request: Request): string {
  return sessionCookie('', 0, request);
}

/** The session cookie's value from a Cookie header, or null. */
export function readSessionCookie(request: Request): string | null {
  const header = request.headers.get('cookie');
  if (!header) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === SESSION_COOKIE) return part.slice(eq + 1).trim() || null;
  }
  return null;
}
