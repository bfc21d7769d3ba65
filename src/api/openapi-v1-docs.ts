/**
 * Request and response schemas of the /v1 endpoints for the OpenAPI document (/swagger/json).
 * The handlers read their bodies themselves (request-validation*.ts: OpenAI's 400, never a 422), so
 * these schemas only document; they list what is required and the main fields, and allow the rest.
 */
import { t, type DocumentDecoration, type TSchema } from 'elysia';
import { OPENAI_ERROR_SCHEMA } from '../errors/openapi-error-schema';
import { arr, bool, int, json, nullable, num, str, type Schema } from './openapi-schema-parts';
import { REASONING_EFFORTS } from './request-validation-rules';
import { GEMINI_TASK_TYPES, MAX_INPUTS } from '../embeddings/validate-embeddings';
import { TOOL_CHOICE_TYPES } from '../messages/messages-to-chat';
import { THINKING_TYPES } from '../messages/map-thinking';

const obj = (properties: Record<string, Schema>, required: string[] = []): Schema => ({ type: 'object', required, properties });

const modelName = { ...str, maxLength: 256, description: 'A model id (`gpt-4o`), `provider/model` (`gemini/gemini-2.5-flash`) or a group name (`dispatcher`).' };

/** Anthropic's error body (/v1/messages, /v1/messages/count_tokens), the gateway's `code` in `details.error_code` (the SDK's `errorCode`). */
const ANTHROPIC_ERROR_DETAILS = {
  ...obj({ error_code: { ...str, description: "The gateway's error code (`budget_exceeded`, `model_not_allowed`, …): Anthropic's SDK reads it as `errorCode`" } }, ['error_code']),
  additionalProperties: true,
};
const ANTHROPIC_ERROR = obj({ type: { const: 'error' }, error: obj({ type: str, message: str, details: ANTHROPIC_ERROR_DETAILS }, ['type', 'message']) }, ['type', 'error']);
/** GET /v1/models and /v1/models/{model}: Anthropic's clients (an `anthropic-version` header) get Anthropic's shapes. */
const EITHER_ERROR = { anyOf: [OPENAI_ERROR_SCHEMA, ANTHROPIC_ERROR] };

/** Anthropic's `ModelInfo` (anthropic-models.ts). */
const anthropicModelInfo = obj(
  { type: { const: 'model' }, id: str, display_name: str, created_at: { ...str, format: 'date-time' }, max_input_tokens: nullable(int), max_tokens: nullable(int) },
  ['type', 'id', 'display_name', 'created_at'],
);
const anthropicModelPage = obj({ data: arr(anthropicModelInfo), has_more: bool, first_id: nullable(str), last_id: nullable(str) }, ['data', 'has_more', 'first_id', 'last_id']);

const usage = obj(
  {
    prompt_tokens: int,
    completion_tokens: int,
    total_tokens: int,
    prompt_tokens_details: obj({ cached_tokens: int }),
    completion_tokens_details: obj({ reasoning_tokens: int }),
  },
  ['prompt_tokens', 'completion_tokens', 'total_tokens'],
);

const message = obj(
  {
    role: { enum: ['system', 'developer', 'user', 'assistant', 'tool'] },
    content: {
      anyOf: [str, arr({ type: 'object' }), { type: 'null' }],
      description: 'Required, not null, except on an assistant message with `tool_calls`, `function_call`, `refusal` or `audio`.',
    },
    name: str,
    tool_calls: arr({ type: 'object' }),
    tool_call_id: { ...str, description: 'Required on a `tool` message.' },
  },
  ['role'],
);

const chatRequest = obj(
  {
    model: modelName,
    messages: { ...arr(message), minItems: 1 },
    stream: bool,
    stream_options: obj({ include_usage: bool }),
    max_tokens: { ...int, minimum: 1 },
    max_completion_tokens: { ...int, minimum: 1 },
    temperature: { ...num, minimum: 0, maximum: 2 },
    top_p: { ...num, minimum: 0, maximum: 1 },
    n: { ...int, minimum: 1, maximum: 128 },
    stop: { anyOf: [str, arr(str)] },
    tools: arr({ type: 'object' }),
    tool_choice: { anyOf: [{ enum: ['none', 'auto', 'required'] }, obj({ type: { enum: ['function', 'allowed_tools', 'custom'] } }, ['type'])] },
    response_format: obj({ type: { enum: ['text', 'json_object', 'json_schema'] } }, ['type']),
    reasoning_effort: { enum: REASONING_EFFORTS },
  },
  ['model', 'messages'],
);

const chatCompletion = obj(
  {
    id: str,
    object: { const: 'chat.completion' },
    created: int,
    model: str,
    choices: arr(obj({ index: int, message: obj({ role: { const: 'assistant' }, content: nullable(str), refusal: nullable(str), tool_calls: arr({ type: 'object' }) }, ['role', 'content']), finish_reason: str, logprobs: nullable({ type: 'object' }) }, ['index', 'message', 'finish_reason'])),
    usage,
  },
  ['id', 'object', 'created', 'model', 'choices'],
);

const responsesRequest = obj(
  {
    model: modelName,
    input: { anyOf: [str, arr({ type: 'object' })] },
    instructions: str,
    previous_response_id: str,
    stream: bool,
    store: bool,
    background: bool,
    max_output_tokens: { ...int, minimum: 1 },
    temperature: { ...num, minimum: 0, maximum: 2 },
    top_p: { ...num, minimum: 0, maximum: 1 },
    tools: arr({ type: 'object' }),
    reasoning: obj({ effort: str, summary: str }),
    text: { type: 'object' },
  },
  ['model', 'input'],
);

/** POST /v1/responses/input_tokens: a Responses request, answered at once (no stream, no background). */
const { stream: _stream, background: _background, store: _store, ...countable } = responsesRequest.properties as Record<string, Schema>;
const inputTokensRequest = obj(countable, ['model']);
const inputTokensCount = obj({ object: { const: 'response.input_tokens' }, input_tokens: int }, ['object', 'input_tokens']);

/** POST /v1/responses/compact: the conversation (`input` and/or `previous_response_id`) and what Codex sends beside it. */
const compactRequest = obj(
  { model: modelName, input: { anyOf: [str, arr({ type: 'object' })] }, instructions: str, previous_response_id: str, tools: arr({ type: 'object' }), reasoning: obj({ effort: str, summary: str }), text: { type: 'object' }, prompt_cache_key: str },
  ['model'],
);
const compactionObject = obj(
  { id: str, object: { const: 'response.compaction' }, created_at: int, output: arr({ type: 'object' }), usage: { type: 'object' } },
  ['id', 'object', 'created_at', 'output', 'usage'],
);

const responseObject = obj(
  { id: str, object: { const: 'response' }, created_at: int, status: str, model: str, output: arr({ type: 'object' }), error: nullable({ type: 'object' }), usage: { type: 'object' } },
  ['id', 'object', 'status', 'model', 'output'],
);

const nonEmpty = { ...str, minLength: 1 };
/** One input as token ids (one input however long: the provider limits those). */
const tokenIds = { ...arr({ ...int, minimum: 0 }), minItems: 1 };
const embeddingsRequest = obj(
  {
    model: modelName,
    input: {
      anyOf: [
        nonEmpty,
        { ...arr(nonEmpty), minItems: 1, maxItems: MAX_INPUTS },
        tokenIds,
        { ...arr(tokenIds), minItems: 1, maxItems: MAX_INPUTS },
      ],
    },
    dimensions: { ...int, minimum: 1 },
    encoding_format: { enum: ['float', 'base64'] },
    task_type: { enum: [...GEMINI_TASK_TYPES], description: "Gemini's task type (`RETRIEVAL_DOCUMENT`, `RETRIEVAL_QUERY`, ...); other providers ignore it." },
  },
  ['model', 'input'],
);

const embeddingsList = obj(
  {
    object: { const: 'list' },
    model: str,
    data: arr(obj({ object: { const: 'embedding' }, index: int, embedding: { anyOf: [arr(num), str] } }, ['object', 'index', 'embedding'])),
    usage: obj({ prompt_tokens: int, total_tokens: int }),
  },
  ['object', 'data', 'model', 'usage'],
);

const imagesRequest = obj(
  { model: modelName, prompt: str, n: { ...int, minimum: 1 }, size: str, quality: str, response_format: { enum: ['url', 'b64_json'] }, style: str },
  ['model', 'prompt'],
);

const imagesResponse = obj({ created: int, data: arr(obj({ url: str, b64_json: str, revised_prompt: str })) }, ['created', 'data']);

const anthropicMessage = obj({ role: { enum: ['user', 'assistant', 'system'] }, content: { anyOf: [str, arr({ type: 'object' })] } }, ['role', 'content']);

const messagesRequest = obj(
  {
    model: modelName,
    max_tokens: { ...int, minimum: 1 },
    messages: { ...arr(anthropicMessage), minItems: 1 },
    system: { anyOf: [str, arr({ type: 'object' })] },
    stream: bool,
    temperature: { ...num, minimum: 0, maximum: 1 },
    top_p: { ...num, minimum: 0, maximum: 1 },
    top_k: { ...int, minimum: 0 },
    stop_sequences: arr(str),
    tools: arr({ type: 'object' }),
    tool_choice: obj({ type: { enum: TOOL_CHOICE_TYPES }, name: str }, ['type']),
    thinking: obj({ type: { enum: [...THINKING_TYPES] }, budget_tokens: int }, ['type']),
    metadata: obj({ user_id: str }),
  },
  ['model', 'max_tokens', 'messages'],
);

const countTokensRequest = obj(
  { model: modelName, messages: { ...arr(anthropicMessage), minItems: 1 }, system: { anyOf: [str, arr({ type: 'object' })] }, tools: arr({ type: 'object' }) },
  ['model', 'messages'],
);

const anthropicMessageResponse = obj(
  {
    id: str,
    type: { const: 'message' },
    role: { const: 'assistant' },
    model: str,
    content: arr({ type: 'object' }),
    stop_reason: nullable(str),
    stop_sequence: nullable(str),
    usage: obj({ input_tokens: int, output_tokens: int, cache_read_input_tokens: int, cache_creation_input_tokens: int }, ['input_tokens', 'output_tokens']),
  },
  ['id', 'type', 'role', 'model', 'content', 'stop_reason', 'usage'],
);

const modelObject = obj(
  { id: str, object: { const: 'model' }, created: int, owned_by: str, group: { ...bool, description: 'Present on model groups, with `strategy`, `targets`, `logic_level`, `primary_use`.' } },
  ['id', 'object', 'created', 'owned_by'],
);

const deletedResponse = obj({ id: str, object: { const: 'response' }, deleted: { const: true } }, ['id', 'object', 'deleted']);
const inputItemsList = obj({ object: { const: 'list' }, data: arr({ type: 'object' }), first_id: nullable(str), last_id: nullable(str), has_more: bool }, ['object', 'data', 'has_more']);

const body = (schema: Schema) => ({ required: true, content: json(schema) });
const SSE = { 'text/event-stream': { schema: { ...str, description: 'Server-sent events (with `stream: true`).' } } };

const header = (description: string, required = false) => ({ description, required, schema: str });
/** The answers of a /v1 POST made with a valid key carry the id of their log row (README "x-request-id"). */
const REQUEST_ID = { 'x-request-id': header('Names the request\'s log row (`GET /api/logs?request_id=`)', true) };
/** On every answer to a key with limits (README: "Teams, key limits and budgets"), with OpenAI's meaning; the `-tokens` trio where a TPM limit applies. */
const RATE_HEADERS = Object.fromEntries(
  ['limit', 'remaining', 'reset'].flatMap((what) => ['requests', 'tokens'].map((unit) => [`x-ratelimit-${what}-${unit}`, header(`The key's (or team's) ${unit} window: ${what}${what === 'reset' ? ' as a duration (`1s`, `6m0s`)' : ''}; only for a key with limits`)])),
);
const RETRY_AFTER = { 'retry-after': header('Seconds to wait (a rate or parallel limit, a budget period\'s reset, the upstream\'s own)') };

/**
 * The usual answers of a /v1 operation: `ok` and the error statuses it may give. A POST (`post`)
 * reads a body (413, 408) and names its log row in `x-request-id` on every answer to a valid key
 * (so not on the 401); on /v1/messages (`anthropic`) errors are Anthropic's, with its 529.
 */
function answers(ok: Schema, opts: { stream?: boolean; status?: number; error?: Schema; post?: boolean; anthropic?: boolean } = {}) {
  // /v1/messages and count_tokens send the id as Anthropic's `request-id` too (what its SDK reads).
  const headers = { ...RATE_HEADERS, ...(opts.post ? (opts.anthropic ? { ...REQUEST_ID, 'request-id': header("The same id, as Anthropic's SDK reads it (`_request_id`)", true) } : REQUEST_ID) : {}) };
  const error = { description: 'Error', content: json(opts.error ?? (opts.anthropic ? ANTHROPIC_ERROR : OPENAI_ERROR_SCHEMA)), headers };
  return {
    [String(opts.status ?? 200)]: { description: 'OK', content: opts.stream ? { ...json(ok), ...SSE } : json(ok), headers },
    400: { ...error, description: 'Invalid request (the message and `param` name the field)' },
    401: { ...error, headers: RATE_HEADERS, description: 'No, an unknown, a revoked or an expired client key' },
    ...(opts.post ? { 402: { ...error, description: 'The upstream account is out of credit (`insufficient_quota`)' } } : {}),
    403: { ...error, description: "The key's or team's `models` list does not allow the model" },
    404: { ...error, description: 'Unknown model (or stored response)' },
    ...(opts.post
      ? {
          408: { ...error, description: 'The body did not arrive within LLM_PROXY__SERVER__BODY_TIMEOUT_S (`request_timeout`)' },
          413: { ...error, description: 'Body larger than LLM_PROXY__SERVER__MAX_BODY_MB' },
        }
      : {}),
    429: { ...error, headers: { ...headers, ...RETRY_AFTER }, description: 'A rate, budget or parallel limit, or the upstream\'s 429' },
    500: { ...error, description: 'A model group routes back to itself or nests too deep (`group_cycle`, `group_depth_exceeded`), or a fault of the gateway (`internal_error`)' },
    502: { ...error, description: 'The upstream failed or could not be reached' },
    503: { ...error, headers: { ...headers, ...RETRY_AFTER }, description: 'Circuit open, no target available, overloaded, or the store unreachable' },
    504: { ...error, description: 'No upstream response headers within LLM_PROXY__UPSTREAM__TIMEOUT_S' },
    ...(opts.anthropic ? { 529: { ...error, headers: { ...headers, ...RETRY_AFTER }, description: 'Overloaded (`overloaded_error`): an upstream\'s 529 or 503' } } : {}),
  };
}

const idParam = { name: 'id', in: 'path', required: true, schema: str };
/** The client key as a bearer token, or as Anthropic's `x-api-key` (Anthropic's API and clients). */
const ANTHROPIC_SECURITY: Record<string, string[]>[] = [{ clientKey: [] }, { anthropicKey: [] }];

/** Extra OpenAPI fields of each /v1 operation, by `METHOD path` as in v1-routes.ts. */
export const V1_OPENAPI: Record<string, Partial<DocumentDecoration>> = {
  'POST /v1/chat/completions': { requestBody: body(chatRequest), responses: answers(chatCompletion, { stream: true, post: true }) },
  'POST /v1/responses': { requestBody: body(responsesRequest), responses: answers(responseObject, { stream: true, post: true }) },
  'POST /v1/responses/input_tokens': { requestBody: body(inputTokensRequest), responses: answers(inputTokensCount, { post: true }) },
  'POST /v1/responses/compact': { requestBody: body(compactRequest), responses: answers(compactionObject, { post: true }) },
  'GET /v1/responses/:id': { responses: answers(responseObject, { stream: true }) },
  'DELETE /v1/responses/:id': { responses: answers(deletedResponse) },
  'GET /v1/responses/:id/input_items': { responses: answers(inputItemsList) },
  'POST /v1/responses/:id/cancel': { responses: answers(responseObject) },
  'POST /v1/images/generations': { requestBody: body(imagesRequest), responses: answers(imagesResponse, { post: true }) },
  'POST /v1/embeddings': { requestBody: body(embeddingsRequest), responses: answers(embeddingsList, { post: true }) },
  'POST /v1/messages': { requestBody: body(messagesRequest), security: ANTHROPIC_SECURITY, responses: answers(anthropicMessageResponse, { stream: true, post: true, anthropic: true }) },
  'POST /v1/messages/count_tokens': { requestBody: body(countTokensRequest), security: ANTHROPIC_SECURITY, responses: answers(obj({ input_tokens: int }, ['input_tokens']), { post: true, anthropic: true }) },
  'GET /v1/models': {
    description: "Anthropic's clients (an `anthropic-version` header; the key also as `x-api-key`) get Anthropic's page of `ModelInfo`, paged by `limit`, `after_id` and `before_id`.",
    security: ANTHROPIC_SECURITY,
    responses: answers({ anyOf: [obj({ object: { const: 'list' }, data: arr(modelObject) }, ['object', 'data']), anthropicModelPage] }, { error: EITHER_ERROR }),
  },
};

const query = (params: Record<string, string>) => t.Object(Object.fromEntries(Object.entries(params).map(([k, d]) => [k, t.Optional(t.String({ description: d }))])), { additionalProperties: true });

/**
 * The query parameters /v1 handlers read (from the URL themselves: these loose strings only put
 * them in the document, and refuse nothing), by `METHOD path` as in v1-routes.ts.
 */
export const V1_QUERY: Record<string, TSchema> = {
  'GET /v1/responses/:id': query({
    stream: "'true' streams a `background` response's events (a 400 on any other response); 'false' (the default) answers the response",
    starting_after: "With stream=true: the events after this `sequence_number` (an integer, 0 or more)",
  }),
  'GET /v1/responses/:id/input_items': query({
    limit: 'Items per page, 1-100 (default 20)',
    order: "'asc' or 'desc' (default)",
    after: 'An item id: the items after it',
    before: 'An item id: the items before it',
  }),
  'POST /v1/messages': query({ beta: "Claude Code's `?beta=true`: accepted, changes nothing" }),
  'GET /v1/models': query({
    limit: "Anthropic's clients: models per page, 1-1000 (default 20)",
    after_id: "Anthropic's clients: the models after this id",
    before_id: "Anthropic's clients: the models before this id",
  }),
};

/**
 * `GET /v1/models/{model}`: the route is `/v1/models/*` (ids hold slashes: `openai/gpt-4o`), which
 * the generator would print as a literal `*`; the document names the parameter instead.
 */
export const V1_MODEL_PATH = {
  '/v1/models/{model}': {
    get: {
      // As the generator names the others (`getV1ResponsesById`): generated clients need one.
      operationId: 'getV1ModelsByModel',
      tags: ['OpenAI API'],
      summary: 'Retrieve one model or group',
      description: 'The id may hold `/` (`gemini/gemini-2.5-flash`), sent as it is or URL-encoded. Anthropic clients (an `anthropic-version` header) get Anthropic\'s `ModelInfo`.',
      security: ANTHROPIC_SECURITY,
      parameters: [{ ...idParam, name: 'model', description: 'A model id, `provider/model` or a group name' }],
      responses: answers({ anyOf: [modelObject, anthropicModelInfo] }, { error: EITHER_ERROR }),
    },
  },
};
