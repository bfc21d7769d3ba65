/** @jsxImportSource #html */

/** One link of a pager: its id keeps the focus on it across the swap (Enter on "Older" pages on). */
export interface PagerLink {
  id: string;
  href: string;
  text: string;
}

/**
 * The links under a keyset-paged list (Logs, Clients, Teams): back to its start, what the page
 * shows, on to the next page; an empty cell where a link does not apply. HTMX swaps #main and
 * pushes the address, so the browser's back button pages back.
 */
export function Pager(props: { label?: string; count: string; first: PagerLink | null; next: PagerLink | null }) {
  const link = (l: PagerLink | null) => (l ? <a id={l.id} class="btn small" href={l.href} hx-get={l.href} safe>{l.text}</a> : <span></span>);
  return (
    <nav class="pager" hx-target="#main" hx-push-url="true" aria-label={props.label}>
      {link(props.first)}
      <span class="muted small" safe>{props.count}</span>
      {link(props.next)}
    </nav>
  );
}
