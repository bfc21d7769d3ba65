/**
 * Response schemas of the admin API's fixed routes and /health for the OpenAPI document: the
 * shapes the README promises (`{token, must_change_password}`, `{id, name, key}`, ...).
 * Documentation only: the handlers' answers are not validated against them.
 */
import { OPENAI_ERROR_SCHEMA } from '../errors/openapi-error-schema';
import { arr, bool, int, json, nullable, num, str, type Schema } from './openapi-schema-parts';
import { WEEKDAY_NAMES } from '../usage/time-of-day-prices';

const obj = (properties: Record<string, Schema>, required: string[] = Object.keys(properties)): Schema => ({ type: 'object', required, properties });
const error = (description: string) => ({ description, content: json(OPENAI_ERROR_SCHEMA) });

/** A signed-in /api route takes the session as a bearer token or as the dashboard's cookie (mutations then also send `x-csrf-token`). */
export const ADMIN_SECURITY: Record<string, string[]>[] = [{ session: [] }, { sessionCookie: [] }];

/** What any /api route may answer before or beside its own work (api/body-limit.ts, the store). */
const TRANSPORT = {
  411: error('A body sent without a Content-Length (`length_required`)'),
  413: error('A body larger than LLM_PROXY__SERVER__MAX_BODY_MB (1 MB for the sign-in) (`request_too_large`)'),
  503: { ...error('PostgreSQL unreachable (`store_unavailable`) or SQLite busy (`store_busy`); retry after `retry-after` seconds'), headers: { 'retry-after': { required: true, schema: str } } },
};

/** `ok` under its status, with the errors of a signed-in route (and 400/404/409 where they apply). */
function answers(ok: Schema, opts: { status?: number; bad?: boolean; missing?: boolean; conflict?: boolean; signedIn?: boolean } = {}) {
  return {
    [String(opts.status ?? 200)]: { description: 'OK', content: json(ok) },
    // A path id that is not one (`/api/clients/abc`) is a 400 too, naming `id`.
    ...(opts.bad || opts.missing ? { 400: error('Invalid request (`param` names the field, or the path\'s `id`)') } : {}),
    ...(opts.signedIn === false ? {} : { 401: error('No valid session'), 403: error('The role is not allowed, or the password must be changed first') }),
    ...(opts.missing ? { 404: error('Not found') } : {}),
    ...(opts.conflict ? { 409: error('Conflicts with what exists') } : {}),
    ...TRANSPORT,
  };
}

const session = obj(
  { token: str, must_change_password: bool, csrf_token: str, expires_at: int, user: obj({ id: int, username: str, role: { enum: ['admin', 'viewer'] } }) },
  ['token', 'must_change_password', 'csrf_token', 'expires_at', 'user'],
);

const limitFields = {
  team_id: nullable(int),
  models: nullable(arr(str)),
  budget_usd: nullable(num),
  budget_period: { enum: ['day', 'week', 'month', 'total'] },
  rpm: nullable(int),
  tpm: nullable(int),
  max_parallel: nullable(int),
  expires_at: nullable({ ...str, format: 'date-time' }),
};

/** Spend in the current budget period, and when it restarts at 0 (null for `total`). */
const periodSpend = { spend_usd: num, budget_resets_at: nullable({ ...str, format: 'date-time' }) };

const client = obj({ id: int, name: str, key_prefix: str, revoked: bool, created_at: int, last_used_at: nullable(int), ...limitFields, ...periodSpend }, ['id', 'name']);

const logRow = obj(
  {
    id: int,
    created_at: int,
    request_id: str,
    parent_request_id: nullable({ ...str, description: 'On a classifier row: the request it routed' }),
    endpoint: str,
    instance: nullable(str),
    client_id: nullable(int),
    team_id: nullable({ ...int, description: "The team the request was admitted under (its key's team then; a key moved since keeps its earlier rows' team); null: none" }),
    model_requested: str,
    model: nullable(str),
    provider: nullable(str),
    route: nullable({ ...str, description: 'Groups walked, e.g. `dispatcher>heavy-logic>deepseek-v4-pro`' }),
    status: int,
    stream: bool,
    prompt_tokens: int,
    completion_tokens: int,
    reasoning_tokens: int,
    cached_tokens: int,
    cache_write_tokens: int,
    images: int,
    estimated: { ...bool, description: 'Token counts estimated (the upstream reported none)' },
    cost_usd: num,
    cost_unknown: { ...bool, description: 'The model has no known price, so `cost_usd` 0 is not a cost' },
    provider_cost_usd: nullable({ ...num, description: "What the upstream said it billed (xAI's `cost_in_usd_ticks`); when set, `cost_usd` is this" }),
    computed_cost_usd: nullable({ ...num, description: "The price table's figure for the request; null on rows from before it was recorded" }),
    latency_ms: num,
    ttfb_ms: nullable(num),
    overhead_ms: nullable(num),
    error_type: nullable(str),
    error: nullable(str),
  },
  ['id', 'created_at', 'request_id', 'endpoint', 'client_id', 'team_id', 'model_requested', 'model', 'provider', 'status', 'stream', 'prompt_tokens', 'completion_tokens', 'reasoning_tokens', 'cached_tokens', 'cache_write_tokens', 'cost_usd', 'latency_ms', 'error'],
);

const priceFields = [
  'input_price', 'cached_input_price', 'output_price', 'reasoning_price', 'cache_write_price', 'image_price',
  'long_context_input_price', 'long_context_cached_input_price', 'long_context_cache_write_price', 'long_context_output_price', 'long_context_reasoning_price',
  'audio_input_price', 'audio_output_price', 'flex_price_multiplier', 'priority_price_multiplier',
  'fast_price_multiplier', 'us_inference_price_multiplier',
];
/** A time-of-day price window (src/usage/time-of-day-prices.ts TimeOfDayWindow). */
const timeOfDayWindow = obj(
  {
    start: { ...str, description: 'UTC HH:MM, inclusive' },
    end: { ...str, description: 'UTC HH:MM, exclusive; before start: the window crosses midnight' },
    input_price: num, cached_input_price: nullable(num), cache_write_price: nullable(num), output_price: num,
    days: {
      ...arr({ enum: [...WEEKDAY_NAMES] }),
      description: 'UTC weekdays the window holds on (a window crossing midnight: the day it began); absent: every day',
    },
  },
  ['start', 'end', 'input_price', 'cached_input_price', 'cache_write_price', 'output_price'],
);
const model = obj(
  {
    id: str, provider: str, upstream_id: str, kind: { enum: ['chat', 'image', 'embedding'] }, enabled: bool, updated_at: int, long_context_threshold: nullable(int), context_window: nullable(int), max_output_tokens: nullable(int), ...Object.fromEntries(priceFields.map((f) => [f, nullable(num)])),
    time_of_day_prices: {
      ...nullable(arr(timeOfDayWindow)),
      description: "Read-only. Daily UTC windows (DeepSeek's peak and off-peak hours, from genai-prices) in which these token prices replace the flat ones for a request that STARTS inside; null: the flat prices all day. Changing a flat token price clears them",
    },
  },
  ['id', 'provider', 'enabled', 'input_price', 'cached_input_price', 'output_price', 'reasoning_price', 'cache_write_price', 'image_price'],
);

const group = obj(
  { name: str, strategy: { enum: ['heuristic', 'classifier'] }, targets: arr(str), logic_level: nullable(int), primary_use: str, settings: { type: 'object' }, updated_at: int },
  ['name', 'strategy', 'targets'],
);

const { models, budget_usd, budget_period, rpm, tpm } = limitFields;
const team = obj({ id: int, name: str, models, budget_usd, budget_period, rpm, tpm, ...periodSpend, client_ids: arr(int), created_at: int, updated_at: int }, ['id', 'name']);

const poolKey = obj({ id: str, label: str, last4: str, weight: num });

const circuit = { enum: ['closed', 'open', 'half_open'] };
/** A provider's models whose own circuit is not closed (src/routing/circuit-breaker.ts modelCircuitsJson). */
const modelCircuits = arr(obj({ model: str, circuit, retry_after_s: int }));

const health = obj(
  {
    status: { enum: ['ok', 'degraded'] },
    version: str,
    uptime_s: { ...int, description: 'Whole seconds since the process started' },
    instance: str,
    store: { enum: ['sqlite', 'postgres'] },
    store_reachable: { ...bool, description: 'PostgreSQL only' },
    store_error: { ...str, description: 'SQLite only, while the database path no longer names the open file (deleted or moved while running)' },
    redis: { enum: ['off', 'ok', 'down'] },
    providers: {
      type: 'object',
      additionalProperties: obj({
        enabled: bool, circuit, model_circuits: modelCircuits,
        keys: { ...obj({ active: int, cooling: int, set_aside: int }), description: 'Providers with keys: how many are in each state (a provider whose keys are all set aside answers 502 with its circuit closed)' },
      }, ['enabled', 'circuit', 'model_circuits']),
    },
    log_queue: obj({ depth: int, dropped: int, error: str }, ['depth', 'dropped']),
    requests_in_flight: int,
    background_responses: int,
    upstream: obj({ in_use: int, waiting: int, refused: int, refused_out_of_files: int, max_connections: int, queue_timeout_s: num, runtime_fetch_cap: int, open_files_limit: nullable(int) }),
  },
  ['status', 'version', 'instance', 'store', 'redis', 'providers', 'log_queue'],
);


const user = obj({ id: int, username: str, role: { enum: ['admin', 'viewer'] }, must_change_password: bool, created_at: int }, ['id', 'username', 'role', 'must_change_password']);
const provider = obj(
  { id: str, name: str, enabled: bool, has_key: bool, key_source: nullable(str), api_key_last4: nullable(str), base_url: str, base_url_note: nullable(str), circuit, model_circuits: modelCircuits, recent_requests: int, recent_error_rate: num },
  ['id', 'name', 'enabled', 'has_key', 'base_url', 'circuit'],
);
const poolKeyState = obj(
  {
    id: str, label: str, last4: str, weight: num, state: { enum: ['active', 'cooling', 'set_aside'] }, cooling_until: nullable(str),
    models: arr(obj({ model: str, state: { enum: ['cooling', 'set_aside'] }, cooling_until: nullable(str) }, ['model', 'state'])),
    error: str, usage_24h: obj({ requests: int, errors: int, cost_usd: num }),
  },
  ['id', 'label', 'last4', 'weight', 'state'],
);
const providerWithKeys = obj({ ...(provider.properties as Record<string, Schema>), keys: arr(poolKeyState) }, [...(provider.required as string[]), 'keys']);
const deleted = (id: Schema) => obj({ id, deleted: { const: true } });
const usageTotals = { requests: int, errors: int, prompt_tokens: int, completion_tokens: int, reasoning_tokens: int, cached_tokens: int, cache_write_tokens: int, cost_usd: num, avg_latency_ms: num, avg_overhead_ms: num };
const list = (items: Schema) => obj({ data: arr(items) });
const usageSummary = obj(usageTotals, ['requests', 'errors', 'prompt_tokens', 'completion_tokens', 'reasoning_tokens', 'cached_tokens', 'cache_write_tokens', 'cost_usd']);

/** `responses` of each documented route, by the name the route file uses. */
export const ADMIN_RESPONSES = {
  login: { ...answers(session, { bad: true, signedIn: false }), 401: error('Wrong username or password (`invalid_credentials`)'), 429: error('Too many failed sign-ins (`login_throttled`, retry-after)') },
  changePassword: { ...answers(session, { bad: true }), 429: error('Too many wrong current passwords (`login_throttled`)') },
  createClient: answers(obj({ id: int, name: str, key: { ...str, description: 'The client key: shown only here' } }), { status: 201, bad: true }),
  client: answers(client, { missing: true }),
  patchClient: answers(client, { bad: true, missing: true }),
  revokeClient: answers(client, { missing: true }),
  createUser: answers(obj({ id: int, username: str, role: { enum: ['admin', 'viewer'] }, must_change_password: bool }, ['id', 'username', 'role']), { status: 201, bad: true, conflict: true }),
  logs: answers(obj({ data: arr(logRow) }), { bad: true }),
  usageSummary: answers(usageSummary, { bad: true }),
  model: answers(model, { missing: true }),
  patchModel: answers(model, { bad: true, missing: true }),
  createModel: answers(model, { status: 201, bad: true, conflict: true }),
  deleteModel: answers(obj({ id: str, deleted: { const: true } }), { missing: true, conflict: true }),
  createGroup: answers(group, { status: 201, bad: true, conflict: true }),
  group: answers(group, { missing: true }),
  putGroup: answers(group, { bad: true, missing: true }),
  createTeam: answers(team, { status: 201, bad: true, conflict: true }),
  team: answers(team, { missing: true }),
  provider: answers(providerWithKeys, { missing: true }),
  addProviderKey: answers(poolKey, { status: 201, bad: true, missing: true, conflict: true }),
  logout: answers(obj({ ok: { const: true } })),
  me: answers(obj({ user: obj({ id: int, username: str, role: { enum: ['admin', 'viewer'] }, must_change_password: bool }), csrf_token: str, expires_at: int })),
  listClients: answers(list(client), { bad: true }),
  listTeams: answers(list(team), { bad: true }),
  patchTeam: answers(team, { bad: true, missing: true, conflict: true }),
  deleteTeam: answers(deleted(int), { missing: true }),
  listUsers: answers(list(user)),
  user: answers(user, { missing: true }),
  patchUser: answers(user, { bad: true, missing: true, conflict: true }),
  deleteUser: answers(deleted(int), { missing: true, conflict: true }),
  listProviders: answers(list(providerWithKeys)),
  patchProvider: answers(provider, { bad: true, missing: true }),
  deleteProviderKey: answers(deleted(str), { missing: true, conflict: true }),
  patchProviderKey: answers(poolKey, { bad: true, missing: true, conflict: true }),
  testProvider: answers(obj({ ok: bool, status: nullable(int), latency_ms: num, models: nullable({ ...int, description: 'How many models the upstream listed' }), error: nullable(str) }), { missing: true }),
  listModels: answers(list(model), { bad: true }),
  listGroups: answers(list(group)),
  tryGroup: answers(obj({ requested: str, path: arr(str), reason: str, targets: arr({ type: 'object' }) }, ['requested', 'path']), { bad: true, missing: true }),
  deleteGroup: answers(obj({ name: str, deleted: { const: true } }), { missing: true, conflict: true }),
  timeseries: answers(obj({ bucket: { enum: ['hour', 'day'] }, from: int, to: int, data: arr(obj({ t: int, ...usageTotals }, ['t', 'requests', 'cost_usd'])) }), { bad: true }),
  breakdown: answers(obj({ by: { enum: ['provider', 'model', 'client'] }, data: arr(obj({ key: { anyOf: [str, int, { type: 'null' }], description: 'Provider id, model id or client id' }, label: str, ...usageTotals }, ['key', 'requests', 'cost_usd'])) }), { bad: true }),
  health: { 200: { description: 'OK (`status` says `degraded` while a configured store or Redis is unreachable)', content: json(health) } },
};
