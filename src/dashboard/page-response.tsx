/** @jsxImportSource #html */
import { Shell } from './components/layout';
import { FormErrors } from './components/ui';
import type { DashUser, NavKey } from './dash-types';
import { htmlResponse, wantsPartial } from './respond';

/**
 * A page: the whole document on direct load, only the content (plus <title>, which HTMX
 * moves into the document) when HTMX swaps it into #main.
 */
export function pageResponse(
  request: Request,
  user: DashUser,
  active: NavKey,
  title: string,
  content: JSX.Element,
  status = 200,
): Response | Promise<Response> {
  if (wantsPartial(request)) {
    return htmlResponse(
      <>
        <title safe>{`${title} · GopherGate`}</title>
        {content}
      </>,
      { status },
    );
  }
  return htmlResponse(
    <Shell user={user} active={active} title={title}>
      {content}
    </Shell>,
    { status },
  );
}

/** A fragment answering an HTMX action (422 when it carries validation errors to show). */
export function fragment(content: JSX.Element, errors?: readonly string[]): Response | Promise<Response> {
  return htmlResponse(content, { status: errors?.length ? 422 : 200 });
}

/**
 * Validation errors of a form inside a list (a table row's editor): shown in that form's own
 * error slot (`#<slot>`), so the form stays open with what the admin typed, instead of the
 * whole section being swapped and the errors landing beside another form. The field the error
 * is about (`param`, the /api name, which is the input's name) rides along as `data-param`:
 * web/swap-focus.js marks that input and puts the message under it.
 */
export function formErrorsInto(
  slot: string,
  failed: { errors: readonly string[]; param?: string | null },
  init: { status?: number; headers?: Record<string, string> } = {},
): Response | Promise<Response> {
  return htmlResponse(<FormErrors errors={[...failed.errors]} param={failed.param} />,
    { status: init.status ?? 422, headers: { ...init.headers, 'hx-retarget': `#${slot}`, 'hx-reswap': 'innerHTML' } });
}
