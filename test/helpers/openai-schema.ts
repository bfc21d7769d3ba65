/**
 * OpenAI's own response schemas, checked by a real JSON Schema validator (Ajv, draft 2020-12)
 * over the vendored spec test/fixtures/openai-schema/openai-openapi.json (OpenAI's OpenAPI
 * document's response schemas, nullable flags rewritten as type unions; $refs resolved by Ajv).
 *
 *   openaiSchemaErrors('CreateChatCompletionResponse', body)  -> [] when valid
 *
 * Beyond the schema, what OpenAI's answers always have and the document leaves as plain strings:
 * ids with OpenAI's prefixes (chatcmpl-, resp_, msg_, fc_, rs_), and `created`/`created_at` as
 * whole seconds (the spec's `unixtime` format; milliseconds are refused).
 */
import Ajv2020 from 'ajv/dist/2020';
import type { ValidateFunction } from 'ajv';
import spec from '../fixtures/openai-schema/openai-openapi.json';

const ajv = new Ajv2020({ strict: false, allErrors: true, validateSchema: false });
// Seconds since 1970: 1e11 s is the year 5138, while any time in milliseconds is past it.
ajv.addFormat('unixtime', { type: 'number', validate: (n: number) => Number.isInteger(n) && n >= 0 && n < 1e11 });
ajv.addFormat('float', { type: 'number', validate: (n: number) => Number.isFinite(n) });
ajv.addFormat('uri', (s: string) => URL.canParse(s));
ajv.addSchema(spec as object, 'openai');

const compiled = new Map<string, ValidateFunction>();
function validator(name: string): ValidateFunction {
  let v = compiled.get(name);
  if (!v) {
    if (!(spec as any).components.schemas[name]) throw new Error(`unknown schema ${name}`);
    v = ajv.getSchema(`openai#/components/schemas/${name}`)!;
    compiled.set(name, v);
  }
  return v;
}

/** Ajv's errors as `$/path: message {params}`, deepest path first (an anyOf's failed tries follow the real cause). */
function describe(v: ValidateFunction): string[] {
  const lines = (v.errors ?? []).map((e) => `$${e.instancePath}: ${e.message} ${JSON.stringify(e.params)}`);
  return [...new Set(lines)].sort((a, b) => b.split('/').length - a.split('/').length);
}

/** OpenAI's id prefixes, by the object an id belongs to. */
const ID_PREFIX: Record<string, string> = {
  'chat.completion': 'chatcmpl-',
  'chat.completion.chunk': 'chatcmpl-',
  response: 'resp_',
  message: 'msg_',
  function_call: 'fc_',
  reasoning: 'rs_',
};

/** Ids without OpenAI's prefix, anywhere in `value` (objects by `object`, output items by `type`). */
function idErrors(value: unknown, path = '$', errs: string[] = []): string[] {
  if (Array.isArray(value)) value.forEach((v, i) => idErrors(v, `${path}[${i}]`, errs));
  else if (value && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    const kind = typeof o.object === 'string' ? o.object : typeof o.type === 'string' ? o.type : null;
    const prefix = kind ? ID_PREFIX[kind] : undefined;
    if (prefix && typeof o.id === 'string' && !o.id.startsWith(prefix)) errs.push(`${path}.id: ${JSON.stringify(o.id)} does not start with ${prefix}`);
    for (const [k, v] of Object.entries(o)) idErrors(v, `${path}.${k}`, errs);
  }
  return errs;
}

/** Errors of `value` against OpenAI's schema `name` and OpenAI's id prefixes (empty when valid). */
export function openaiSchemaErrors(name: string, value: unknown): string[] {
  const v = validator(name);
  const errs = v(value) ? [] : describe(v);
  return [...errs, ...idErrors(value)];
}

/** The schema of each Responses stream event type (ResponseStreamEvent's branches, by their `type` const). */
export const RESPONSE_EVENT_SCHEMAS: Record<string, string> = Object.fromEntries(
  ((spec as any).components.schemas.ResponseStreamEvent.anyOf as { $ref: string }[]).map((r) => {
    const name = r.$ref.split('/').pop()!;
    const type = (spec as any).components.schemas[name].properties.type;
    return [type.enum?.[0] ?? type.const, name];
  }),
);

/** Errors of one Responses stream event against its own type's schema (an unknown type is one). */
export function responseEventErrors(event: { type?: unknown; [field: string]: unknown }): string[] {
  const name = RESPONSE_EVENT_SCHEMAS[String(event?.type)];
  return name ? openaiSchemaErrors(name, event) : [`unknown event type ${JSON.stringify(event?.type)}`];
}
