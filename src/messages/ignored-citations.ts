import type { MessagesRequest } from './anthropic-types';

/**
 * The response header naming what a translated answer left out of the request, accepted without
 * it (a comma-separated list; today only `citations`). Claude Code and the SDKs may send
 * `citations: {enabled: true}` on documents: only Anthropic's API cites (its text blocks carry
 * `citations` pointing into the documents), and the gateway does not make citations up, so a
 * translated answer's text blocks say `citations: null`. Refusing the request would break clients
 * that ask for citations as a matter of course; this header lets one that relies on them see why
 * there are none. An answer from Anthropic itself carries its own citations and no header.
 */
export const IGNORED_HEADER = 'x-gophergate-ignored';

/** Blocks whose `citations: {enabled: true}` asks Anthropic to cite them. */
const CITABLE = new Set(['document', 'search_result']);

const asksToCite = (b: any): boolean => CITABLE.has(b?.type) && b.citations?.enabled === true;

/**
 * Whether a block of the request (a user turn's, or inside a tool result) asks for citations. Plain
 * loops: it runs on every translated /v1/messages answer, over the whole conversation.
 */
export function asksCitations(req: MessagesRequest): boolean {
  for (const m of req.messages) {
    if (!Array.isArray(m?.content)) continue;
    for (const b of m.content as any[]) {
      if (asksToCite(b)) return true;
      if (b?.type === 'tool_result' && Array.isArray(b.content)) {
        for (const inner of b.content) if (asksToCite(inner)) return true;
      }
    }
  }
  return false;
}

/** The answer's headers, with IGNORED_HEADER when the request asked for citations a translated target cannot give. */
export function noteIgnoredCitations(headers: Record<string, string>, req: MessagesRequest): Record<string, string> {
  if (asksCitations(req)) headers[IGNORED_HEADER] = 'citations';
  return headers;
}
