/**
 * The query of a page's address: the request's URL, or for a change made on a page the address
 * HTMX sends in `hx-current-url` (so the answer is that page: its filter, its cursor). Empty when
 * there is none or it does not parse: the first page.
 */
export function pageQuery(url: string | null | undefined): URLSearchParams {
  if (!url) return new URLSearchParams();
  try {
    return new URL(url, 'http://x').searchParams;
  } catch {
    return new URLSearchParams();
  }
}
