import { t } from 'elysia';
import { jsonInteger } from './strict-schema';
import { MAX_COUNT_LIMIT, MODEL_NAME_MAX_CHARS, MODELS_MAX_ENTRIES } from '../admin/limit-fields';

/** A count limit: its bound in the document too, so a client checking against it sends nothing refused. */
const nullableInt = (description: string) =>
  t.Optional(t.Nullable(jsonInteger({ minimum: 1, maximum: MAX_COUNT_LIMIT, description, error: `must be a whole number from 1 to ${MAX_COUNT_LIMIT.toLocaleString('en-US')}, or null for no limit.` })));
const period = t.Union([t.Literal('day'), t.Literal('week'), t.Literal('month'), t.Literal('total')], {
  description: 'UTC calendar periods (weeks start on Monday), or `total` for the lifetime of the key. Default `month`.',
});

const MODELS_RULE = `must be an array of at most ${MODELS_MAX_ENTRIES} model names, each 1-${MODEL_NAME_MAX_CHARS} characters, or null for every model.`;

/** Limit fields shared by teams and client keys (OpenAPI document and body checks). */
export const sharedLimitFields = {
  models: t.Optional(t.Nullable(t.Array(t.String({ minLength: 1, maxLength: MODEL_NAME_MAX_CHARS, error: MODELS_RULE }), {
    maxItems: MODELS_MAX_ENTRIES,
    error: MODELS_RULE,
    description: 'Allowed model names: an exact id, `provider/*` (also a bare id of that provider), a group name (which may then route anywhere), or `*`. null: every model.',
  }))),
  budget_usd: t.Optional(t.Nullable(t.Number({ minimum: 0, description: 'Spend limit in USD per budget_period; null: none.' }))),
  budget_period: t.Optional(period),
  rpm: nullableInt('Requests per minute (sliding window); null: none.'),
  tpm: nullableInt('Prompt plus completion tokens per minute (sliding window); null: none.'),
};

/** Fields only client keys have. */
export const clientLimitFields = {
  ...sharedLimitFields,
  max_parallel: nullableInt('Requests in flight at once; null: none.'),
  expires_at: t.Optional(t.Nullable(t.String({
    format: 'date-time',
    description: 'ISO 8601 UTC, e.g. `2026-12-31T23:59:59Z`; the key answers 401 from then on. null: never.',
    error: 'must be an ISO 8601 timestamp with a zone that exists on the calendar, e.g. 2026-12-31T23:59:59Z, or null.',
  }))),
  team_id: t.Optional(t.Nullable(jsonInteger({ minimum: 1, description: "The key's team (its limits apply on top of the key's own); null: none." }))),
};
