import { t } from 'elysia';
import { MAX_LIST_PAGE } from '../admin/list-page';

/**
 * The query of a paged admin list, for the OpenAPI document: loose strings, so bad values reach
 * parseListPage, which answers 400 naming the parameter (as /api/logs does).
 */
export function listPageQuery(cursorName: string, what: string) {
  return t.Object({
    limit: t.Optional(t.String({ description: `Rows per page, 1-${MAX_LIST_PAGE}; without it the whole list (after the cursor, when one is sent)` })),
    [cursorName]: t.Optional(t.String({ description: `Paging: the ${what}s after this ${what} in the list (pass the last id of the previous page)` })),
  }, { additionalProperties: true });
}
