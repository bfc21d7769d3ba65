import type { AdapterDeps, ChatCallContext, ChatRequest, UpstreamBody } from '../types';
import { convertGenerationConfig } from './gemini-generation-config';
import { validatesThoughtSignatures } from './gemini-versions';
import { convertMessages } from './gemini-messages';
import { convertTools } from './gemini-tools';
import type { GeminiRequest } from './gemini-wire';

/**
 * OpenAI chat request -> Gemini generateContent body. Pure apart from downloading remote images
 * through `deps.fetchImage`. OpenAI-only fields with no Gemini meaning (user, store, metadata,
 * parallel_tool_calls, stream_options, an empty logit_bias, service_tier) are dropped: Gemini rejects
 * unknown fields, so nothing passes through blindly.
 */
export async function buildGeminiRequest(
  req: ChatRequest,
  ctx: ChatCallContext,
  deps: AdapterDeps,
  signal?: AbortSignal,
): Promise<GeminiRequest> {
  const { systemInstruction, contents } = await convertMessages(req.messages, {
    requireSignatures: validatesThoughtSignatures(ctx.model),
    deps,
    signal,
  });
  const body: GeminiRequest = { contents };
  if (systemInstruction) body.systemInstruction = systemInstruction;
  Object.assign(body, convertTools(req.tools, req.tool_choice));
  const generationConfig = convertGenerationConfig(req, ctx.model, ctx.showReasoning === true, ctx.thinkingCap);
  if (generationConfig) body.generationConfig = generationConfig;
  return body;
}
