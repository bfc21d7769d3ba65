import { badRequest } from '../../errors/api-error';
import type { AnthropicRequest } from './anthropic-wire';
import { shownValue } from '../../errors/shown-value';
import { anthropicOutputSchema } from './output-schema';

/**
 * JSON output for OpenAI's response_format. On the Claude models with structured outputs (below),
 * a `json_schema` goes as Anthropic's `output_config.format` (the schema made its subset:
 * output-schema.ts): the answer is a text block holding the JSON, so it comes back as message
 * content and streams as content deltas, with tools and thinking alongside. Elsewhere, and for a
 * `json_object` (which names no schema, and Claude's format needs one) or a schema that subset
 * cannot hold, it is asked for the way Anthropic documents JSON mode: one tool whose input schema
 * is the wanted schema, forced with tool_choice. Its input is the answer: the response and stream
 * translators turn this tool's call (recognised by its reserved name) back into message content,
 * with finish_reason `stop`. A forced tool cannot share the turn with the client's tools or with
 * thinking, so that path refuses them.
 */
export const JSON_TOOL = 'gophergate_json_output';

/**
 * Claude models without structured outputs (Anthropic's docs: generally available on Claude
 * Sonnet 4.5, Opus 4.5, Haiku 4.5 and the models since; Opus 4.1 had it only in the retired
 * beta): Claude 3, the 4.0 pair and Opus 4.1, by alias or dated id. An id that is not a `claude-`
 * one (a deployment's own name) is not known to have them either.
 */
const BEFORE_STRUCTURED_OUTPUTS = /^claude-(3|(opus|sonnet|haiku)-4(-[01])?(-\d{8})?$)/;

export function takesOutputFormat(model: string): boolean {
  return model.startsWith('claude-') && !BEFORE_STRUCTURED_OUTPUTS.test(model);
}

const SCHEMA_PARAM = 'response_format.json_schema.schema';

/** Sets the JSON output for response_format json_schema / json_object on `body`; text or unset: nothing. */
export function applyJsonOutput(body: AnthropicRequest, rf: any): void {
  if (rf == null || rf.type === 'text') return;
  if (rf.type !== 'json_schema' && rf.type !== 'json_object') {
    throw badRequest(`Anthropic models do not support response_format '${shownValue(rf.type)}'.`, 'response_format', 'unsupported_parameter');
  }
  const schema = rf.type === 'json_schema' ? rf.json_schema?.schema : undefined;
  if (rf.type === 'json_schema' && (!schema || typeof schema !== 'object' || Array.isArray(schema) || (schema.type !== undefined && schema.type !== 'object'))) {
    throw badRequest('For Anthropic models response_format.json_schema.schema must be an object schema.', SCHEMA_PARAM, 'unsupported_parameter');
  }
  const withOthers = !!body.tools?.length || (!!body.thinking && body.thinking.type !== 'disabled');
  if (schema && takesOutputFormat(body.model)) {
    const native = anthropicOutputSchema({ type: 'object', ...schema }, SCHEMA_PARAM);
    if ('schema' in native) {
      body.output_config = { ...body.output_config, format: { type: 'json_schema', schema: native.schema } };
      return;
    }
    if (withOthers) throw native.problem;
  }
  if (body.tools?.length) {
    throw badRequest(`${describe(body.model, rf.type)} only without tools (JSON output is a forced tool there).`, 'response_format', 'unsupported_parameter');
  }
  if (body.thinking && body.thinking.type !== 'disabled') {
    throw badRequest(`${describe(body.model, rf.type)} only without thinking (reasoning_effort): a forced tool cannot think.`, 'response_format', 'unsupported_parameter');
  }
  const description = rf.json_schema?.description ?? 'Give the answer as the input of this tool: it is returned to the user as JSON.';
  body.tools = [{ name: JSON_TOOL, description, input_schema: schema ? { type: 'object', ...schema } : { type: 'object' } }];
  body.tool_choice = { type: 'tool', name: JSON_TOOL };
}

/** The request the forced-tool path refuses tools and thinking for (a json_schema reaches it only on a model without structured outputs). */
function describe(model: string, type: string): string {
  if (type === 'json_object') return "Anthropic models take response_format json_object (it names no schema, and Claude's structured outputs need one)";
  return `${shownValue(model)} has no structured outputs (Claude Sonnet 4.5, Opus 4.5, Haiku 4.5 and later do), so it takes response_format json_schema`;
}
