import { badRequest } from '../../errors/api-error';
import type { AnthropicRequest } from './anthropic-wire';
import { shownValue } from '../../errors/shown-value';

/**
 * Anthropic has no response_format. JSON output is asked for the way Anthropic documents for
 * JSON mode: one tool whose input schema is the wanted schema, forced with tool_choice. Its
 * input is the answer: the response and stream translators turn this tool's call (recognised by
 * its reserved name) back into message content, with finish_reason `stop`.
 */
export const JSON_TOOL = 'gophergate_json_output';

/** Adds the forced JSON tool for response_format json_schema / json_object; text or unset: nothing. */
export function applyJsonOutput(body: AnthropicRequest, rf: any): void {
  if (rf == null || rf.type === 'text') return;
  if (rf.type !== 'json_schema' && rf.type !== 'json_object') {
    throw badRequest(`Anthropic models do not support response_format '${shownValue(rf.type)}'.`, 'response_format', 'unsupported_parameter');
  }
  if (body.tools?.length) {
    throw badRequest('Anthropic models take response_format json_schema/json_object only without tools (JSON output is a forced tool there).', 'response_format', 'unsupported_parameter');
  }
  if (body.thinking) {
    throw badRequest('Anthropic models take response_format json_schema/json_object only without thinking (reasoning_effort): a forced tool cannot think.', 'response_format', 'unsupported_parameter');
  }
  const schema = rf.type === 'json_schema' ? rf.json_schema?.schema : undefined;
  if (rf.type === 'json_schema' && (!schema || typeof schema !== 'object' || Array.isArray(schema) || (schema.type !== undefined && schema.type !== 'object'))) {
    throw badRequest('For Anthropic models response_format.json_schema.schema must be an object schema.', 'response_format.json_schema.schema', 'unsupported_parameter');
  }
  const description = rf.json_schema?.description ?? 'Give the answer as the input of this tool: it is returned to the user as JSON.';
  body.tools = [{ name: JSON_TOOL, description, input_schema: schema ? { type: 'object', ...schema } : { type: 'object' } }];
  body.tool_choice = { type: 'tool', name: JSON_TOOL };
}
