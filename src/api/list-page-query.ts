import { t } from 'elysia';
import { MAX_LIST_PAGE, type ListPage } from '../admin/list-page';
import { pageByCursor, parseInt, refuseOffset, type RawQuery } from '../logging/usage-query-params';

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

/** Reads `limit` and the cursor parameter (`before_id`, `after_id`); a bad value, or an `offset`, is a 400 naming it. */
export function parseListPage(q: RawQuery, cursorName: string): ListPage {
  refuseOffset(q, pageByCursor(cursorName));
  return {
    limit: parseInt(q, 'limit', 1, MAX_LIST_PAGE),
    cursor: parseInt(q, cursorName, 1, Number.MAX_SAFE_INTEGER),
  };
}
