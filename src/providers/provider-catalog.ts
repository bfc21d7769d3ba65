import { OPENAI_WEB_SEARCH_PREVIEW_USD } from '../usage/openai-tool-prices';
import type { ProviderId, ProviderSettings } from './types';

/**
 * Static facts about each provider: display name, default upstream, whether it needs a key, and
 * `nativeResponses`: it has OpenAI's Responses API itself (POST /responses, GET|DELETE
 * /responses/{id}, stored responses for `previous_response_id`), so `/v1/responses` passes through
 * to it rather than bridging onto chat (responses/native-responses.ts); the built-in tool types it
 * runs there (`responsesTools`; function tools always): a request naming another goes to a group's
 * targets that run it, or is refused before any call. `responsesToolsOpen` (OpenAI): a tool type no
 * provider lists goes up too, for the provider to judge, so a tool OpenAI adds after this list was
 * written is not refused by the gateway; only another provider's own tool is. `responsesProjectObjects`
 * (OpenAI): its Responses API reads objects kept in the account's project, a `conversation` and a
 * `prompt` template; a request naming one goes to a group's targets of such a provider (the bridge
 * refuses both, and xAI has neither).
 */

/**
 * The tool types of OpenAI's Responses API (the `Tool` union of the official `openai` SDK 7.57,
 * resources/responses: FunctionTool, FileSearchTool, ComputerTool, ComputerUsePreviewTool,
 * WebSearchTool, Mcp, CodeInterpreter, ProgrammaticToolCalling, ImageGeneration, LocalShell,
 * FunctionShellTool, CustomTool, NamespaceTool, ToolSearchTool, WebSearchPreviewTool, ApplyPatchTool),
 * dated aliases included. Another provider's (xAI's `x_search`) is not one of them: OpenAI answers it 400.
 */
const OPENAI_RESPONSES_TOOLS = [
  'web_search', 'web_search_2025_08_26', 'web_search_preview', 'web_search_preview_2025_03_11', 'file_search',
  'code_interpreter', 'computer', 'computer_use_preview', 'image_generation', 'mcp', 'local_shell', 'shell',
  'apply_patch', 'custom', 'namespace', 'tool_search', 'programmatic_tool_calling',
] as const;

export const PROVIDER_CATALOG = {
  // The Responses API's web search tool bills per call beside the tokens: $10 per 1,000, or $25 for
  // web_search_preview on a model without reasoning (OpenAI's pricing page). The dearer one is what
  // a request reserves; a row bills what its answer shows (usage/openai-tool-fees.ts).
  openai: { name: 'OpenAI', defaultBaseUrl: 'https://api.openai.com/v1', needsKey: true, webSearchUsd: OPENAI_WEB_SEARCH_PREVIEW_USD, nativeResponses: true, responsesTools: OPENAI_RESPONSES_TOOLS, responsesToolsOpen: true, responsesProjectObjects: true },
  gemini: { name: 'Google Gemini', defaultBaseUrl: 'https://generativelanguage.googleapis.com', needsKey: true },
  deepseek: { name: 'DeepSeek', defaultBaseUrl: 'https://api.deepseek.com/v1', needsKey: true },
  moonshot: { name: 'Moonshot (Kimi)', defaultBaseUrl: 'https://api.moonshot.ai/v1', needsKey: true },
  // xAI's Responses API (docs.x.ai): its server-side tools (Agent Tools) run only there. Code execution is
  // `code_interpreter` on that API (`code_execution` in xAI's SDK), collections search `file_search`.
  grok: {
    name: 'xAI Grok', defaultBaseUrl: 'https://api.x.ai/v1', needsKey: true, nativeResponses: true,
    responsesTools: ['web_search', 'x_search', 'code_interpreter', 'code_execution', 'file_search', 'mcp'],
    // xAI documents `background` on its Responses API as unsupported (and has no cancel to stop one).
    responsesBackground: false,
  },
  ollama: { name: 'Ollama', defaultBaseUrl: 'http://localhost:11434/v1', needsKey: false },
  // Answers locally; off unless LLM_PROXY__PROVIDERS__MOCK__ENABLED=true.
  mock: { name: 'Mock (local echo)', defaultBaseUrl: 'mock://local', needsKey: false },
  // The host root: the gateway appends /v1/messages.
  // Web search, a server tool, is billed per search beside the tokens: $10 per 1,000 (Anthropic's pricing page).
  anthropic: { name: 'Anthropic', defaultBaseUrl: 'https://api.anthropic.com', needsKey: true, webSearchUsd: 0.01 },
} as const satisfies Record<
  ProviderId,
  { name: string; defaultBaseUrl: string; needsKey: boolean; webSearchUsd?: number; nativeResponses?: boolean; responsesTools?: readonly string[]; responsesToolsOpen?: boolean; responsesBackground?: boolean; responsesProjectObjects?: boolean }
>;

/** A provider's display name; the id itself for one the catalog does not know (a stored row's). */
export function providerName(id: string): string {
  return (PROVIDER_CATALOG as Record<string, { name: string }>)[id]?.name ?? id;
}

/** How errors name a provider: `OpenAI (openai)`. */
export function providerLabel(id: ProviderId): string {
  return `${providerName(id)} (${id})`;
}

/**
 * A provider that needs a key and has none (neither its own nor a pool key): enabled, it answers
 * every request with an error. Ollama and the mock need none.
 */
export function lacksNeededKey(p: Pick<ProviderSettings, 'id' | 'apiKey' | 'keys'>): boolean {
  return PROVIDER_CATALOG[p.id].needsKey && !p.apiKey && !p.keys?.length;
}
