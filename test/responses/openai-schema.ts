/**
 * A small JSON Schema checker (the subset OpenAI's document uses: $ref, type, properties,
 * required, enum, const, anyOf/oneOf/allOf, items, additionalProperties, minimum/maximum,
 * maxLength) over copies of OpenAI's own response schemas kept in the repo: a trimmed one for
 * the Responses API, and the chat completion objects untrimmed (chatSchemaErrors).
 */
import schemaDoc from '../fixtures/responses/openai-schema-subset.json';
import chatSchemaDoc from '../fixtures/openai-schema/chat-completions.json';

type Schema = Record<string, any>;
/** The schema set the check in progress resolves $refs in. */
let schemas = (schemaDoc as any).components.schemas as Record<string, Schema>;

function resolve(s: Schema): Schema {
  let cur = s;
  while (cur && cur.$ref) {
    const name = String(cur.$ref).split('/').pop()!;
    const target = schemas[name];
    if (!target) throw new Error(`schema ${name} missing from the fixture`);
    const { $ref, ...rest } = cur;
    cur = Object.keys(rest).length ? { allOf: [target, rest] } : target;
  }
  return cur;
}

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function typeMatches(want: string, got: string): boolean {
  return want === got || (want === 'number' && got === 'integer');
}

function check(value: unknown, raw: Schema, path: string, errs: string[]): void {
  const s = resolve(raw);
  if (s.allOf) for (const sub of s.allOf) check(value, sub, path, errs);
  if (s.anyOf) {
    if (!s.anyOf.some((sub: Schema) => validate(value, sub).length === 0)) {
      const detail = s.anyOf.map((sub: Schema) => validate(value, sub)[0]).join(' | ');
      errs.push(`${path}: matches no anyOf branch (${detail})`);
    }
  }
  if (s.oneOf) {
    const ok = s.oneOf.filter((sub: Schema) => validate(value, sub).length === 0).length;
    if (ok !== 1) {
      const detail = ok === 0 ? s.oneOf.map((sub: Schema) => validate(value, sub)[0]).join(' | ') : '';
      errs.push(`${path}: matches ${ok} oneOf branches ${detail}`);
    }
  }
  const got = typeOf(value);
  if (s.type) {
    const types = Array.isArray(s.type) ? s.type : [s.type];
    if (!types.some((t: string) => typeMatches(t, got))) return void errs.push(`${path}: expected ${types.join('|')}, got ${got}`);
  }
  if (s.enum && !s.enum.some((e: unknown) => e === value)) errs.push(`${path}: ${JSON.stringify(value)} not in enum`);
  if ('const' in s && s.const !== value) errs.push(`${path}: expected const ${JSON.stringify(s.const)}`);
  if (got === 'number' || got === 'integer') {
    if (typeof s.minimum === 'number' && (value as number) < s.minimum) errs.push(`${path}: below minimum`);
    if (typeof s.maximum === 'number' && (value as number) > s.maximum) errs.push(`${path}: above maximum`);
  }
  if (got === 'string' && typeof s.maxLength === 'number' && (value as string).length > s.maxLength) errs.push(`${path}: too long`);
  if (got === 'object') {
    const obj = value as Record<string, unknown>;
    for (const r of s.required ?? []) if (!(r in obj)) errs.push(`${path}: missing required '${r}'`);
    const props = s.properties ?? {};
    for (const [k, v] of Object.entries(obj)) {
      if (props[k]) check(v, props[k], `${path}.${k}`, errs);
      else if (s.additionalProperties === false) errs.push(`${path}: unexpected '${k}'`);
      else if (typeof s.additionalProperties === 'object') check(v, s.additionalProperties, `${path}.${k}`, errs);
    }
  }
  if (got === 'array' && s.items) (value as unknown[]).forEach((v, i) => check(v, s.items, `${path}[${i}]`, errs));
}

function validate(value: unknown, s: Schema): string[] {
  const errs: string[] = [];
  check(value, s, '$', errs);
  return errs;
}

/** A checker over one document's `components.schemas`. */
function schemaChecker(doc: unknown): (name: string, value: unknown) => string[] {
  const set = (doc as any).components.schemas as Record<string, Schema>;
  return (name, value) => {
    if (!set[name]) throw new Error(`unknown schema ${name}`);
    const saved = schemas;
    schemas = set;
    try {
      return validate(value, { $ref: `#/components/schemas/${name}` });
    } finally {
      schemas = saved;
    }
  };
}

/** Errors of `value` against OpenAI's (Responses API, trimmed) schema `name` (empty when valid). */
export const schemaErrors = schemaChecker(schemaDoc);

/**
 * Errors of `value` against OpenAI's untrimmed chat schema `name`: CreateChatCompletionResponse,
 * CreateChatCompletionStreamResponse, ErrorResponse, ImagesResponse and what they reference.
 */
export const chatSchemaErrors = schemaChecker(chatSchemaDoc);

/** The event schema for a Responses stream event type. */
export const EVENT_SCHEMAS: Record<string, string> = {
  'response.created': 'ResponseCreatedEvent',
  'response.in_progress': 'ResponseInProgressEvent',
  'response.completed': 'ResponseCompletedEvent',
  'response.incomplete': 'ResponseIncompleteEvent',
  'response.failed': 'ResponseFailedEvent',
  'response.output_item.added': 'ResponseOutputItemAddedEvent',
  'response.output_item.done': 'ResponseOutputItemDoneEvent',
  'response.content_part.added': 'ResponseContentPartAddedEvent',
  'response.content_part.done': 'ResponseContentPartDoneEvent',
  'response.output_text.delta': 'ResponseTextDeltaEvent',
  'response.output_text.done': 'ResponseTextDoneEvent',
  'response.refusal.delta': 'ResponseRefusalDeltaEvent',
  'response.refusal.done': 'ResponseRefusalDoneEvent',
  'response.function_call_arguments.delta': 'ResponseFunctionCallArgumentsDeltaEvent',
  'response.function_call_arguments.done': 'ResponseFunctionCallArgumentsDoneEvent',
  'response.reasoning_text.delta': 'ResponseReasoningTextDeltaEvent',
  'response.reasoning_text.done': 'ResponseReasoningTextDoneEvent',
  'response.reasoning_summary_part.added': 'ResponseReasoningSummaryPartAddedEvent',
  'response.reasoning_summary_part.done': 'ResponseReasoningSummaryPartDoneEvent',
  'response.reasoning_summary_text.delta': 'ResponseReasoningSummaryTextDeltaEvent',
  'response.reasoning_summary_text.done': 'ResponseReasoningSummaryTextDoneEvent',
};

// Embeddings and stored-response retrieval schemas, vendored untrimmed; names the subset above
// already holds keep the subset's copy.
import retrievalDoc from '../fixtures/openai-schema/embeddings-and-retrieval.json';
for (const [name, s] of Object.entries((retrievalDoc as any).components.schemas as Record<string, Schema>)) schemas[name] ??= s;
