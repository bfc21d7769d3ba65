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

const ISO_WITH_ZONE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?(?:Z|([+-])(\d{2}):(\d{2}))$/;

/**
 * Epoch milliseconds of an ISO 8601 timestamp with a zone (`2026-12-31T23:59:59Z`,
 * `2026-06-01T08:00:00+02:00`), or NaN when it is not one or names a time that does not exist
 * (`2026-02-30`, `24:00`, `+25:00`): Date.parse would roll those over to another day.
 */
export function parseIsoTimestamp(s: string): number {
  const m = ISO_WITH_ZONE.exec(s);
  if (!m) return NaN;
  const [year, month, day, hour, minute, second = 0] = m.slice(1, 7).map(Number) as number[];
  const [offH, offM] = [Number(m[9] ?? 0), Number(m[10] ?? 0)];
  const calendar = new Date(Date.UTC(year!, month! - 1, day!));
  const realDay = calendar.getUTCFullYear() === year && calendar.getUTCMonth() === month! - 1 && calendar.getUTCDate() === day;
  if (!realDay || hour! > 23 || minute! > 59 || second > 59 || offH > 23 || offM > 59) return NaN;
  return Date.parse(s);
}

/** The latest time a Date holds (ms): 100,000,000 days after 1970. */
const MAX_MS = 8.64e15;

/**
 * Epoch milliseconds (plain decimal digits), an ISO 8601 date (`2026-12-31`, UTC midnight) or an
 * ISO 8601 date-time with a zone (`2026-12-31T23:59:59Z`, `…+02:00`). Not whatever Date.parse
 * takes: it reads a time without a zone as the server's local time, rolls `2026-02-30` over to
 * March, and takes words (`Tue Dec 1 2026`).
 */
export function parseTime(q: RawQuery, name: string): number | undefined {
  const v = present(q, name);
  if (v === undefined) return undefined;
  const ms = /^(0|[1-9]\d{0,15})$/.test(v) ? Number(v) : parseIsoTimestamp(/^\d{4}-\d{2}-\d{2}$/.test(v) ? `${v}T00:00:00Z` : v);
  if (!(Math.abs(ms) <= MAX_MS)) {
    throw badRequest(`'${name}' must be epoch milliseconds, an ISO 8601 date (2026-12-31, UTC) or an ISO 8601 time with a zone (2026-12-31T23:59:59Z), got '${v}'.`, name);
  }
  return ms;
}

/**
 * A whole number in plain decimal digits (no sign, no leading zero): `007` is refused, not read as
 * 7. Up to 16 digits, so every id to Number.MAX_SAFE_INTEGER is read (as path ids are).
 */
export function parseInt(q: RawQuery, name: string, min: number, max: number): number | undefined {
  const v = present(q, name);
  if (v === undefined) return undefined;
  const n = /^(0|[1-9]\d{0,15})$/.test(v) ? Number(v) : NaN;
  if (!(n >= min && n <= max)) throw badRequest(`'${name}' must be a whole number from ${min} to ${max} in plain decimal digits, got '${v}'.`, name);
  return n;
}

/**
 * `offset`, which these lists do not take, is a 400 naming it and saying how to page: ignored, a
 * client paging by limit/offset got the first page again for every page. `0` (or blank) asks nothing.
 */
export function refuseOffset(q: RawQuery, howToPage: string): void {
  const v = present(q, 'offset');
  if (v !== undefined && v !== '0') throw badRequest(`'offset' is not supported (got '${v}'): ${howToPage}`, 'offset');
}

/** How a list paged by a cursor parameter pages, for refuseOffset. */
export const pageByCursor = (cursorName: string) => `page with '${cursorName}' (the last id of the previous page) and 'limit'.`;

function parseEnum<T extends string>(q: RawQuery, name: string, allowed: readonly T[], fallback: T): T {
  const v = present(q, name);
  if (v === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(v)) throw badRequest(`'${name}' must be one of ${allowed.join(', ')}, got '${v}'.`, name);
  return v as T;
}

/**
 * The team filter, `team`, or `team_id` as the admin API names a key's team: a script sending
 * `team_id` had its filter ignored and read every team's usage. Both, naming two teams, is a 400.
 */
function parseTeam(q: RawQuery): number | undefined {
  const team = parseInt(q, 'team', 1, Number.MAX_SAFE_INTEGER);
  const teamId = parseInt(q, 'team_id', 1, Number.MAX_SAFE_INTEGER);
  if (team !== undefined && teamId !== undefined && team !== teamId) throw badRequest(`'team' (${team}) and 'team_id' (${teamId}) name two teams: send one.`, 'team_id');
  return team ?? teamId;
}

export function parseUsageFilter(q: RawQuery): UsageFilter {
  const f: UsageFilter = {
    from: parseTime(q, 'from'),
    to: parseTime(q, 'to'),
    clientId: parseInt(q, 'client_id', 0, Number.MAX_SAFE_INTEGER),
    provider: present(q, 'provider'),
    model: present(q, 'model'),
    teamId: parseTeam(q),
  };
  if (f.from !== undefined && f.to !== undefined && f.from >= f.to) throw badRequest("'from' must be earlier than 'to'.", 'from');
  return f;
}


export function parseLogFilter(q: RawQuery): LogFilter {
  refuseOffset(q, pageByCursor('before_id'));
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
    requestId: present(q, 'request_id'),
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
  refuseOffset(q, "the breakdown is the top 'limit' rows (up to 1000), dearest first.");
  return {
    by: parseEnum(q, 'by', ['provider', 'model', 'client'] as const, 'provider'),
    filter: parseUsageFilter(q),
    limit: parseInt(q, 'limit', 1, 1000) ?? 100,
  };
}
