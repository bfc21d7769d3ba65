import { LOG_ENDPOINTS } from '../db/schema/request-logs';
import { badRequest } from '../errors/api-error';
import type { BreakdownBy, Bucket, LogFilter, UsageFilter } from './usage-queries';

/** Query strings as Elysia hands them over (every value a string, or missing). */
export type RawQuery = Record<string, string | undefined>;

const DAY_MS = 86_400_000;

function present(q: RawQuery, name: string): string | undefined {
  const v = q[name];
  return v === undefined || v.trim() === '' ? undefined : v.trim();
}

/** Epoch milliseconds, or an ISO 8601 date/time. */
export function parseTime(q: RawQuery, name: string): number | undefined {
  const v = present(q, name);
  if (v === undefined) return undefined;
  const ms = /^\d{1,16}$/.test(v) ? Number(v) : Date.parse(v);
  if (!Number.isFinite(ms)) throw badRequest(`'${name}' must be epoch milliseconds or an ISO 8601 date, got '${v}'.`, name);
  return ms;
}

function parseInt(q: RawQuery, name: string, min: number, max: number): number | undefined {
  const v = present(q, name);
  if (v === undefined) return undefined;
  const n = /^\d{1,15}$/.test(v) ? Number(v) : NaN;
  if (!(n >= min && n <= max)) throw badRequest(`'${name}' must be an integer from ${min} to ${max}, got '${v}'.`, name);
  return n;
}

function parseEnum<T extends string>(q: RawQuery, name: string, allowed: readonly T[], fallback: T): T {
  const v = present(q, name);
  if (v === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(v)) throw badRequest(`'${name}' must be one of ${allowed.join(', ')}, got '${v}'.`, name);
  return v as T;
}

export function parseUsageFilter(q: RawQuery): UsageFilter {
  const f: UsageFilter = {
    from: parseTime(q, 'from'),
    to: parseTime(q, 'to'),
    clientId: parseInt(q, 'client_id', 0, Number.MAX_SAFE_INTEGER),
    provider: present(q, 'provider'),
    model: present(q, 'model'),
  };
  if (f.from !== undefined && f.to !== undefined && f.from >= f.to) throw badRequest("'from' must be earlier than 'to'.", 'from');
  return f;
}


export function parseLogFilter(q: RawQuery): LogFilter {
  const statusRaw = present(q, 'status');
  let status: LogFilter['status'];
  if (statusRaw === 'error' || statusRaw === 'ok') status = statusRaw;
  else if (statusRaw !== undefined) {
    status = parseInt(q, 'status', 100, 599);
  }
  return {
    ...parseUsageFilter(q),
    status,
    endpoint: present(q, 'endpoint') === undefined ? undefined : parseEnum(q, 'endpoint', LOG_ENDPOINTS, 'chat'),
    beforeId: parseInt(q, 'before_id', 1, Number.MAX_SAFE_INTEGER),
    limit: parseInt(q, 'limit', 1, 1000) ?? 50,
  };
}

/** Bucket and a closed range: by default the last 24 hours (hourly) or 30 days (daily). */
export function parseTimeseries(q: RawQuery, now = Date.now()): { bucket: Bucket; filter: UsageFilter & { from: number; to: number } } {
  const bucket = parseEnum(q, 'bucket', ['hour', 'day'] as const, 'hour');
  const f = parseUsageFilter(q);
  const to = f.to ?? now;
  const from = f.from ?? to - (bucket === 'hour' ? DAY_MS : 30 * DAY_MS);
  if (from >= to) throw badRequest("'from' must be earlier than 'to'.", 'from');
  return { bucket, filter: { ...f, from, to } };
}

export function parseBreakdown(q: RawQuery): { by: BreakdownBy; filter: UsageFilter; limit: number } {
  return {
    by: parseEnum(q, 'by', ['provider', 'model', 'client'] as const, 'provider'),
    filter: parseUsageFilter(q),
    limit: parseInt(q, 'limit', 1, 1000) ?? 100,
  };
}
