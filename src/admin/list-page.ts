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
