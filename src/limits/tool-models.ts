import type { ModelEntry } from '../providers/model-entry';
import { IMAGE_TOOL_DEFAULT_MODEL } from '../usage/openai-tool-prices';
import { isModelAllowed } from './allow-list';
import type { AllowList } from './limit-types';

/** A model a hosted tool of the request runs at its provider, and the field that names it (`tools[2].model`). */
export interface ToolModel {
  model: string;
  param: string;
  /** false: the tool names none, and runs (is billed) as the default. */
  named: boolean;
}

/**
 * The models a Responses request's hosted tools run beside the request's own, which the gateway
 * reserves and bills: OpenAI's image generation tool's `model`, or IMAGE_TOOL_DEFAULT_MODEL when
 * it names none (or names it with no string, which OpenAI refuses). Empty for any other body.
 */
export function hostedToolModels(body: Record<string, unknown>): ToolModel[] {
  if (!Array.isArray(body.tools)) return [];
  const out: ToolModel[] = [];
  body.tools.forEach((t: { type?: unknown; model?: unknown } | null, i) => {
    if (t?.type !== 'image_generation') return;
    const named = typeof t.model === 'string' && t.model !== '';
    out.push({ model: named ? (t.model as string) : IMAGE_TOOL_DEFAULT_MODEL, param: `tools[${i}].model`, named });
  });
  return out;
}

/**
 * The first tool model `list` does not allow, or null. A tool's model is OpenAI's whatever the
 * request's model is, so `openai/*` (or `openai/<id>`) allows it as it allows `openai/<id>`.
 */
export function toolModelNotAllowed(list: AllowList | null, tools: readonly ToolModel[], models: ReadonlyMap<string, ModelEntry>): ToolModel | null {
  if (list === null) return null;
  return tools.find((t) => !isModelAllowed(list, t.model, models) && !isModelAllowed(list, `openai/${t.model}`, models)) ?? null;
}
