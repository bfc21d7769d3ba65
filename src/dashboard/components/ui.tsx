/** @jsxImportSource #html */
import type { Children } from '@kitajs/html';
import { CSRF_FIELD } from '../../auth/access-policy';

/** A summary figure: label, big value (already formatted with its unit), optional note. */
export function Stat(props: { label: string; value: string; note?: string; id?: string }) {
  return (
    <div class="card stat" id={props.id}>
      <div class="stat-label" safe>{props.label}</div>
      <div class="stat-value" safe>{props.value}</div>
      {props.note ? <div class="stat-note muted" safe>{props.note}</div> : ''}
    </div>
  );
}

export function Card(props: { title?: string; class?: string; id?: string; children: Children }) {
  return (
    <section class={`card ${props.class ?? ''}`} id={props.id}>
      {props.title ? <h2 class="card-title" safe>{props.title}</h2> : ''}
      {props.children}
    </section>
  );
}

/** HTTP status as a coloured badge: 2xx ok, 4xx warn, 5xx error. */
export function StatusBadge(props: { status: number }) {
  const s = props.status;
  const kind = s >= 200 && s < 300 ? 'ok' : s >= 500 || s === 0 ? 'err' : 'warn';
  return <span class={`badge ${kind}`}>{String(s)}</span>;
}

export function Badge(props: { kind?: 'ok' | 'warn' | 'err' | 'muted' | 'info'; children: Children }) {
  return <span class={`badge ${props.kind ?? 'muted'}`}>{props.children}</span>;
}

/**
 * Inline error list under a form (server-side validation). `param`: the name of the input the
 * errors are about, when one is (web/swap-focus.js marks that input and shows them under it).
 */
export function FormErrors(props: { errors?: string[]; param?: string | null; id?: string }) {
  if (!props.errors?.length) return '';
  return (
    <ul class="form-errors" role="alert" data-param={props.param ?? undefined} id={props.id}>
      {props.errors.map((e) => (
        <li safe>{e}</li>
      ))}
    </ul>
  );
}

/**
 * A refusal rendered under the field it names (`param`, one of `fields`): `mark(name)` gives that
 * field aria-invalid and aria-describedby (and the focus with `focus`: htmx focuses [autofocus] in
 * what it swaps in), `under(name)` is its message; `top` is the message when it names no field.
 */
export function fieldRefusal(opts: { errors?: string[]; param?: string | null; fields: readonly string[]; id: string; focus?: boolean }) {
  const at = opts.errors?.length && opts.param && opts.fields.includes(opts.param) ? opts.param : null;
  return {
    mark: (name: string) => (name !== at ? {} : opts.focus ? { 'aria-invalid': 'true', 'aria-describedby': opts.id, autofocus: true } : { 'aria-invalid': 'true', 'aria-describedby': opts.id }),
    under: (name: string) => (name === at ? <FormErrors errors={opts.errors} id={opts.id} /> : ''),
    top: at ? '' : <FormErrors errors={opts.errors} />,
  };
}

/**
 * The account a password form is for, to password managers (and Chromium's form checks, which
 * flag a password form without one): hidden, and unnamed, so it is never sent.
 */
export function AccountName(props: { username: string }) {
  return <input type="text" autocomplete="username" value={props.username} hidden readonly tabindex="-1" />;
}

/** Bar showing a share of the total, for breakdown tables. */
export function ShareBar(props: { ratio: number }) {
  const pct = Math.max(0, Math.min(100, props.ratio * 100));
  return (
    <span class="share" title={`${pct.toFixed(1)}%`}>
      <span style={`width:${pct.toFixed(1)}%`}></span>
    </span>
  );
}

/**
 * A field for an amount with decimals (a budget, a price), spread on its <input>: text, not
 * type=number. Chromium's number field on this English page takes a comma for a thousands
 * separator, so "12,50" typed with a decimal comma reached the server as 1250. As text the server
 * reads what was typed (form-number.ts) and refuses it by the field's name; phones still show digits.
 */
export const DECIMAL_FIELD = { inputmode: 'decimal', autocomplete: 'off' } as const;

/**
 * A form's POST target, for HTMX and for the browser alike: without `method` and `action`, a form
 * sent before htmx is loaded (or with JavaScript off) is a GET of the current page carrying every
 * field in its address, passwords and keys included (history, proxy logs). With them, that submit
 * is a POST (done when the form carries CsrfField, else refused for want of the CSRF header), never a GET.
 */
export const postTo = (url: string) => ({ method: 'post', action: url, 'hx-post': url }) as const;

/**
 * The session's CSRF token as a hidden field, for a form that must work with JavaScript off (then
 * no x-csrf-token header is sent); the dashboard's guard takes either (dash-session.ts).
 */
export function CsrfField(props: { token: string }) {
  return <input type="hidden" name={CSRF_FIELD} value={props.token} />;
}

/**
 * A table row's editor on a row of its own under it: the two rows share one <tbody> (a table may
 * have several) with x-data="editors", and the table's wrapper is `.editor-rows` (app.css). The
 * editor is as wide as the table's visible part, held at its left edge while the table scrolls
 * sideways, and headed with what it edits, so on a phone it is not a column scrolled off beside
 * the name it belongs to. `editor`: the name its opener (data-opens) and Escape know it by.
 */
export function EditorRow(props: { editor: string; columns: number; titleId: string; title: Children; action: string; target: string; children: Children }) {
  return (
    <tr class="editor-row" x-show={`open.${props.editor}`} x-cloak>
      <td colspan={String(props.columns)}>
        <form data-editor={props.editor} class="limits-form wide-editor" aria-labelledby={props.titleId} {...postTo(props.action)} hx-target={props.target} hx-swap="outerHTML">
          <h3 class="editor-title" id={props.titleId}>{props.title}</h3>
          {props.children}
        </form>
      </td>
    </tr>
  );
}
