import { parseLogFilter, parseTime } from '../logging/usage-query-params';
import type { LogFilter } from '../logging/usage-queries';
import type { LogFilters } from './pages/logs-view';
import { utcFieldValue, zonelessAsUtc } from './utc-field';
import { inFormTerms, LOG_FILTER_LABELS } from './field-labels';
import { ApiError } from '../errors/api-error';

type Query = Record<string, string | undefined>;

/** The filter form's values, echoed back into the form. */
export function logFiltersOf(q: Query): LogFilters {
  const s = (k: string) => (typeof q[k] === 'string' ? q[k]!.trim().slice(0, 200) : '');
  return { from: s('from'), to: s('to'), client: s('client'), team: s('team'), provider: s('provider'), model: s('model'), status: s('status'), endpoint: s('endpoint'), request_id: s('request_id') };
}

/**
 * Form values -> the usage-queries filter, through the parser the JSON API uses (so they agree).
 * `datetime-local` values carry no zone; the page says times are UTC, so they are read as UTC.
 */
export function logFilterFrom(f: LogFilters, beforeId: string | undefined, limit: number): { ok: true; value: LogFilter } | { ok: false; error: string; field: string | null } {
  try {
    return {
      ok: true,
      value: parseLogFilter({
        from: zonelessAsUtc(f.from), to: zonelessAsUtc(f.to), client_id: f.client, provider: f.provider, model: f.model,
        status: f.status, endpoint: f.endpoint, request_id: f.request_id, team: f.team, before_id: beforeId, limit: String(limit),
      }),
    };
  } catch (err) {
    // In the filters' words ("From (UTC) must be earlier than To (UTC)."), not /api/logs' param names; `field`:
    // the form field it is about (client_id is the form's `client`), shown under it.
    if (!(err instanceof ApiError)) return { ok: false, error: (err as Error).message, field: null };
    return { ok: false, error: inFormTerms(err.message, err.param, LOG_FILTER_LABELS), field: err.param === 'client_id' ? 'client' : err.param };
  }
}

/**
 * A from/to filter as the page's datetime-local field can hold it (UTC, as the page reads it), or
 * '' when it is no time at all: the browser refuses (and warns about) any other value, and the
 * page already says why the filter was refused. Epoch ms and ISO times from a link are shown as
 * the UTC time they mean, so the next filter change keeps them.
 */
export function dateTimeField(v: string): string {
  if (!v) return '';
  let ms: number | undefined;
  try {
    ms = parseTime({ v: zonelessAsUtc(v) }, 'v');
  } catch {
    return '';
  }
  return utcFieldValue(ms ?? NaN);
}
