import { parseInt, type RawQuery } from '../logging/usage-query-params';

/** The most rows one page of an admin list (`/api/clients`, `/api/teams`) holds, as `/api/logs`. */
export const MAX_LIST_PAGE = 1000;

/**
 * Keyset paging of an admin list, as `/api/logs` pages: `limit` rows after the row whose id is
 * `cursor` (the last id of the previous page). Both optional: without `limit` the rest of the
 * list, so a caller that sends neither gets the whole list as before paging existed.
 */
export interface ListPage {
  limit?: number;
  cursor?: number;
}

/** Reads `limit` and the cursor parameter (`before_id`, `after_id`); a bad value is a 400 naming it. */
export function parseListPage(q: RawQuery, cursorName: string): ListPage {
  return {
    limit: parseInt(q, 'limit', 1, MAX_LIST_PAGE),
    cursor: parseInt(q, cursorName, 1, Number.MAX_SAFE_INTEGER),
  };
}
