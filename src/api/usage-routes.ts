import { Elysia, t } from 'elysia';
import { sessionGuard } from '../auth/session-guard';
import type { AppContext } from '../context';
import { logJson } from '../logging/log-row';
import { listLogs, usageBreakdown, usageSummary, usageTimeseries } from '../logging/usage-queries';
import { parseBreakdown, parseLogFilter, parseTimeseries, parseUsageFilter, type RawQuery } from '../logging/usage-query-params';
import { ADMIN_RESPONSES, ADMIN_SECURITY as security } from './openapi-admin-docs';

const tags = ['Usage'];
const str = (description: string) => t.Optional(t.String({ description }));
// Every parameter is a loose string here so bad values reach the parsers, which answer 400 in
// OpenAI's error shape with a message naming the parameter; the schema is for the OpenAPI doc.
const TIME_FORMS = 'epoch milliseconds, an ISO 8601 date (2026-12-31, UTC) or an ISO 8601 time with a zone (2026-12-31T23:59:59Z)';
const range = {
  from: str(`Start (inclusive): ${TIME_FORMS}`),
  to: str(`End (exclusive): ${TIME_FORMS}`),
  client_id: str('Only this client (decimal digits)'),
  provider: str('Only this provider'),
  model: str('Only this concrete model'),
  team: str("Only one team's requests, by its id: the team the key was in when the request was admitted"),
  team_id: str("The same as 'team' (the admin API's name for a key's team); both, naming two teams, is a 400"),
};
// The usage routes read hourly rollups: their range is widened to whole UTC hours.
const rollupRange = {
  ...range,
  from: str(`Start (inclusive; rounded down to its UTC hour): ${TIME_FORMS}`),
  to: str(`End (exclusive; rounded up to a UTC hour: the hour holding it counts whole): ${TIME_FORMS}`),
};

/**
 * Request logs and usage for the dashboard and scripts: any signed-in user (viewer or admin)
 * may read. Each route carries its own `role` check, besides the /api guards in admin-api.ts.
 */
export function usageRoutes(ctx: AppContext) {
  return new Elysia({ name: 'usage-routes' })
    .use(sessionGuard(ctx))
    .get('/api/logs', async ({ query }) => ({ data: (await listLogs(ctx.store, parseLogFilter(query as RawQuery))).map(logJson) }), {
      query: t.Object({
        ...range,
        model: str('Only rows that requested this model name (a group, an unknown model) or were served by it'),
        limit: str('Rows per page, 1-1000 (default 50)'),
        status: str("An HTTP status, or 'error' / 'ok'"),
        endpoint: str('One endpoint: chat, responses, images, embeddings, messages, count_tokens or classifier'),
        request_id: str("One request's row: the x-request-id its answer carried"),
        before_id: str('Paging: rows after this id in the list (pass the last id of the previous page)'),
      }, { additionalProperties: true }),
      detail: { tags, security, responses: ADMIN_RESPONSES.logs, summary: 'Request log rows, newest first' },
      role: 'viewer',
    })
    .get('/api/usage/summary', ({ query }) => usageSummary(ctx.store, parseUsageFilter(query as RawQuery)), {
      query: t.Object(rollupRange, { additionalProperties: true }),
      detail: { tags, security, responses: ADMIN_RESPONSES.usageSummary, summary: 'Totals (requests, errors, tokens, cost) from the hourly rollups' },
      role: 'viewer',
    })
    .get('/api/usage/timeseries', async ({ query }) => {
      const { bucket, filter } = parseTimeseries(query as RawQuery);
      return { bucket, from: filter.from, to: filter.to, data: await usageTimeseries(ctx.store, bucket, filter) };
    }, {
      query: t.Object({ ...rollupRange, bucket: str("'hour' (default, last 24 h) or 'day' (last 30 days)") }, { additionalProperties: true }),
      detail: { tags, security, responses: ADMIN_RESPONSES.timeseries, summary: 'Totals per UTC hour or day, gaps filled with zeros' },
      role: 'viewer',
    })
    .get('/api/usage/breakdown', async ({ query }) => {
      const { by, filter, limit } = parseBreakdown(query as RawQuery);
      return { by, data: await usageBreakdown(ctx.store, by, filter, limit) };
    }, {
      query: t.Object({ ...rollupRange, by: str("'provider' (default), 'model' or 'client'"), limit: str('Rows, 1-1000 (default 100)') }, { additionalProperties: true }),
      detail: { tags, security, responses: ADMIN_RESPONSES.breakdown, summary: 'Totals per provider, model or client, most expensive first' },
      role: 'viewer',
    });
}
