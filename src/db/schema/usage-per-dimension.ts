import { sqliteTable, text, integer, primaryKey, index } from 'drizzle-orm/sqlite-core';
import { rollupMeasures } from './rollup-columns';

/*
 * Per-dimension rollups kept by the log writer beside usage_hourly/usage_daily: narrow ones with one
 * dimension each, and at the end the team ones (usage_hourly's key plus the row's team).
 * The full rollups grow with clients x models (200 clients using 24 models each is 4,800 rows per
 * hour); the narrow ones grow with models or clients alone, so the dashboard's unfiltered charts and
 * breakdowns scan a few thousand rows whatever the mix. Queries pick the narrowest table that holds
 * every column they filter or group on.
 */

/** Per hour x provider x model, all clients together. */
export const usageModelHourly = sqliteTable(
  'usage_model_hourly',
  {
    hour: integer('hour').notNull(),
    provider: text('provider').notNull().default(''),
    model: text('model').notNull().default(''),
    ...rollupMeasures(),
  },
  (t) => [primaryKey({ columns: [t.hour, t.provider, t.model] })],
);

/** Per UTC day x provider x model, all clients together. */
export const usageModelDaily = sqliteTable(
  'usage_model_daily',
  {
    day: integer('day').notNull(),
    provider: text('provider').notNull().default(''),
    model: text('model').notNull().default(''),
    ...rollupMeasures(),
  },
  (t) => [primaryKey({ columns: [t.day, t.provider, t.model] })],
);

/** Per hour x client, all models together. */
export const usageClientHourly = sqliteTable(
  'usage_client_hourly',
  {
    hour: integer('hour').notNull(),
    clientId: integer('client_id').notNull().default(0),
    ...rollupMeasures(),
  },
  (t) => [
    primaryKey({ columns: [t.hour, t.clientId] }),
    /** One client's newest hour (its last use once retention removed its raw rows): one seek, whatever the number of clients. */
    index('usage_client_hourly_client_idx').on(t.clientId, t.hour),
  ],
);

/** Per UTC day x client, all models together. */
export const usageClientDaily = sqliteTable(
  'usage_client_daily',
  {
    day: integer('day').notNull(),
    clientId: integer('client_id').notNull().default(0),
    ...rollupMeasures(),
  },
  (t) => [
    primaryKey({ columns: [t.day, t.clientId] }),
    /**
     * One client's spend since a day (spendSince: every key of /api/clients and the Clients page):
     * the primary key leads with the day, so without this each key read every client's rows of the period.
     */
    index('usage_client_daily_client_idx').on(t.clientId, t.day),
  ],
);

/**
 * Per UTC day x team (the team on the row, as admitted: request_logs.team_id; 0 for rows of keys
 * in no team). Team budgets and team spend read this: a key moved or deleted does not take its
 * spend along. Daily only: budget periods start on UTC days.
 */
export const usageTeamDaily = sqliteTable(
  'usage_team_daily',
  {
    day: integer('day').notNull(),
    teamId: integer('team_id').notNull().default(0),
    ...rollupMeasures(),
  },
  (t) => [
    primaryKey({ columns: [t.day, t.teamId] }),
    /** One team's spend since a day (spendSince), as usage_client_daily_client_idx for keys. */
    index('usage_team_daily_team_idx').on(t.teamId, t.day),
  ],
);

/**
 * Per hour x team x provider x model x client: usage_hourly's key plus the row's team (as
 * admitted, 0 for none), so the Usage page and /api/usage/* filtered by a team read rollups, not
 * raw rows (a team's 30-day breakdown by model over the raw rows took ~3 s at 2M rows; see
 * BENCHMARKS.md). About as many rows as usage_hourly: a key is in one team at a time. The team
 * leads after the hour, so one team's range is a range of the key.
 */
export const usageTeamFullHourly = sqliteTable(
  'usage_team_full_hourly',
  {
    hour: integer('hour').notNull(),
    teamId: integer('team_id').notNull().default(0),
    provider: text('provider').notNull().default(''),
    model: text('model').notNull().default(''),
    clientId: integer('client_id').notNull().default(0),
    ...rollupMeasures(),
  },
  (t) => [primaryKey({ columns: [t.hour, t.teamId, t.provider, t.model, t.clientId] })],
);

/** Daily twin of usage_team_full_hourly (whole UTC days of a team-filtered range). */
export const usageTeamFullDaily = sqliteTable(
  'usage_team_full_daily',
  {
    day: integer('day').notNull(),
    teamId: integer('team_id').notNull().default(0),
    provider: text('provider').notNull().default(''),
    model: text('model').notNull().default(''),
    clientId: integer('client_id').notNull().default(0),
    ...rollupMeasures(),
  },
  (t) => [primaryKey({ columns: [t.day, t.teamId, t.provider, t.model, t.clientId] })],
);
