import { badRequest } from '../../errors/api-error';
import { geminiFunctionName } from './gemini-function-name';
import { inlineSchemaRefs } from '../shared/inline-schema-refs';
import type { GeminiFunctionDeclaration, GeminiRequest, GeminiToolConfig } from './gemini-wire';
import { shownValue } from '../../errors/shown-value';

type Tools = Pick<GeminiRequest, 'tools' | 'toolConfig'>;

/**
 * OpenAI tools / tool_choice -> Gemini functionDeclarations / toolConfig. Schemas go in
 * `parametersJsonSchema` (full JSON Schema) because the older `parameters` field takes only an
 * OpenAPI subset and rejects keys OpenAI clients routinely send (`additionalProperties`, `$ref`);
 * local `$ref`s are inlined first (shared/inline-schema-refs.ts). A name Gemini refuses goes up renamed
 * (gemini-function-name.ts); tool_choice is checked against the client's names.
 */
export function convertTools(tools: unknown, toolChoice: unknown): Tools {
  if (tools === undefined || tools === null) {
    if (toolChoice !== undefined && toolChoice !== null && toolChoice !== 'none' && toolChoice !== 'auto') {
      throw badRequest('tool_choice needs tools.', 'tool_choice');
    }
    return {};
  }
  if (!Array.isArray(tools)) throw badRequest('tools must be an array.', 'tools');
  if (tools.length === 0) return {};
  let declarations: GeminiFunctionDeclaration[] = tools.map((t: any, i) => {
    if (t?.type !== 'function') throw badRequest(`Gemini supports only function tools, not '${shownValue(t?.type)}'.`, `tools[${i}].type`);
    const f = t.function;
    if (typeof f?.name !== 'string' || f.name === '') throw badRequest('A function tool needs a name.', `tools[${i}].function.name`);
    const d: GeminiFunctionDeclaration = { name: geminiFunctionName(f.name) };
    if (typeof f.description === 'string') d.description = f.description;
    if (f.parameters && typeof f.parameters === 'object') d.parametersJsonSchema = inlineSchemaRefs(f.parameters);
    return d;
  });

  let toolConfig: GeminiToolConfig | undefined;
  const tc = toolChoice as any;
  const names = new Set(declarations.map((d) => d.name));
  const known = (name: string) => names.has(geminiFunctionName(name));
  if (tc === undefined || tc === null) {
    toolConfig = undefined;
  } else if (tc === 'auto') {
    toolConfig = { functionCallingConfig: { mode: 'AUTO' } };
  } else if (tc === 'none') {
    toolConfig = { functionCallingConfig: { mode: 'NONE' } };
  } else if (tc === 'required') {
    toolConfig = { functionCallingConfig: { mode: 'ANY' } };
  } else if (tc?.type === 'function' && typeof tc.function?.name === 'string') {
    if (!known(tc.function.name)) throw badRequest(`tool_choice names '${shownValue(tc.function.name)}', which is not in tools.`, 'tool_choice.function.name');
    toolConfig = { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: [geminiFunctionName(tc.function.name)] } };
  } else if (tc?.type === 'allowed_tools' && Array.isArray(tc.allowed_tools?.tools)) {
    // Gemini allows allowedFunctionNames only with mode ANY, so for `auto` the list is narrowed instead.
    const allowed = new Set<string>(
      tc.allowed_tools.tools.map((t: any) => t?.function?.name).filter((n: unknown) => typeof n === 'string' && n !== '').map(geminiFunctionName),
    );
    declarations = declarations.filter((d) => allowed.has(d.name));
    if (declarations.length === 0) throw badRequest('tool_choice.allowed_tools names none of the tools.', 'tool_choice.allowed_tools.tools');
    toolConfig = { functionCallingConfig: { mode: tc.allowed_tools.mode === 'required' ? 'ANY' : 'AUTO' } };
  } else {
    throw badRequest('Unsupported tool_choice for Gemini.', 'tool_choice');
  }
  return { tools: [{ functionDeclarations: declarations }], ...(toolConfig ? { toolConfig } : {}) };
}
