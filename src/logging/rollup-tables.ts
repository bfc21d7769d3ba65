/**
 * The usage rollups the log writer keeps and the usage queries read (tables in
 * src/db/schema/usage-{hourly,daily,per-dimension}.ts). One list, so the writer's upserts, the
 * bench's bulk build and the query planner can never disagree about a table's key.
 */

export type RollupDim = 'provider' | 'model' | 'client_id' | 'team_id';

export interface RollupTable {
  readonly name: string;
  /** Time column; its value is the bucket's start, epoch ms (UTC hours and days). */
  readonly time: 'hour' | 'day';
  /** Key columns after the time column, in primary-key order. */
  readonly dims: readonly RollupDim[];
}

export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

/** The sums every rollup row carries, in column (and delta value) order. */
export const MEASURES = [
  'requests', 'errors', 'prompt_tokens', 'cached_tokens', 'completion_tokens', 'reasoning_tokens',
  'cost_usd', 'latency_ms_sum', 'overhead_ms_sum',
  'cache_write_tokens',
] as const;

const FULL: readonly RollupDim[] = ['provider', 'model', 'client_id'];

/** Families of one hourly and one daily table over the same key, narrowest first. */
export const ROLLUP_FAMILIES: readonly { readonly hourly: RollupTable; readonly daily: RollupTable }[] = [
  {
    hourly: { name: 'usage_model_hourly', time: 'hour', dims: ['provider', 'model'] },
    daily: { name: 'usage_model_daily', time: 'day', dims: ['provider', 'model'] },
  },
  {
    hourly: { name: 'usage_client_hourly', time: 'hour', dims: ['client_id'] },
    daily: { name: 'usage_client_daily', time: 'day', dims: ['client_id'] },
  },
  {
    hourly: { name: 'usage_hourly', time: 'hour', dims: FULL },
    daily: { name: 'usage_daily', time: 'day', dims: FULL },
  },
  // Last: only a query that filters on a team reads it (no other family holds team_id).
  {
    hourly: { name: 'usage_team_full_hourly', time: 'hour', dims: ['team_id', ...FULL] },
    daily: { name: 'usage_team_full_daily', time: 'day', dims: ['team_id', ...FULL] },
  },
];

/**
 * Per UTC day x team (the team a row was admitted under): what team budgets and team spend read
 * (one seek per team). Not a family: team-filtered usage queries read usage_team_full_*.
 */
export const TEAM_DAILY: RollupTable = { name: 'usage_team_daily', time: 'day', dims: ['team_id'] };

/** Every rollup table; usage_hourly first, and each hourly table before its daily twin. */
export const ROLLUP_TABLES: readonly RollupTable[] = [
  ROLLUP_FAMILIES[2]!.hourly,
  ...ROLLUP_FAMILIES.flatMap((f) => (f.hourly.dims === FULL ? [f.daily] : [f.hourly, f.daily])),
  TEAM_DAILY,
];

/** Start of the bucket holding `ms` for a table's time column. */
export const bucketStart = (ms: number, time: RollupTable['time']): number => {
  const size = time === 'hour' ? HOUR_MS : DAY_MS;
  return Math.floor(ms / size) * size;
};
