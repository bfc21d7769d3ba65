import type { AnthropicBlock } from './anthropic-types';

/**
 * Anthropic's server tools (web search, web fetch, code execution, the MCP connector) run inside
 * Anthropic's API, and their calls and results stay in the assistant turn that a Claude model
 * answered (`server_tool_use`, `web_search_tool_result`, …). When a later turn of that conversation
 * goes to another provider (a group falling back past its Anthropic target, an agent switching
 * models), the step is over: the other model reads it as what the assistant did and found, as text
 * in that turn. Refused, such a conversation could not continue anywhere but on Claude. Opaque
 * parts (`encrypted_content`, `encrypted_index`) mean nothing to another model and are left out.
 */
const RESULT_TYPES = new Set([
  'web_search_tool_result',
  'web_fetch_tool_result',
  'code_execution_tool_result',
  'bash_code_execution_tool_result',
  'text_editor_code_execution_tool_result',
  'mcp_tool_result',
]);

const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/** Whether the block is a server tool's call or result in an assistant turn (tool search aside: map-anthropic-tools.ts). */
export const isServerStep = (type: string): boolean => type === 'server_tool_use' || type === 'mcp_tool_use' || RESULT_TYPES.has(type);

/** A server tool's call or result as the text another model reads in the assistant turn. Pure. */
export function serverStepText(b: AnthropicBlock): string {
  if (b.type === 'server_tool_use' || b.type === 'mcp_tool_use') {
    const server = b.type === 'mcp_tool_use' && str(b.server_name) ? `${str(b.server_name)}/` : '';
    return `[${server}${str(b.name) || 'tool'} ${JSON.stringify(b.input ?? {})}]`;
  }
  const c = b.content as any;
  const failed = c && typeof c === 'object' && !Array.isArray(c) && typeof c.error_code === 'string';
  if (failed) return `[${b.type}: error ${c.error_code}]`;
  return `[${b.type}${b.is_error === true ? ': error' : ''}]\n${resultText(c)}`.trimEnd();
}

function resultText(c: any): string {
  if (typeof c === 'string') return c;
  if (Array.isArray(c)) return c.map(resultText).filter(Boolean).join('\n');
  if (!c || typeof c !== 'object') return '';
  switch (c.type) {
    case 'web_search_result':
      return [str(c.title), str(c.url)].filter(Boolean).join(' - ');
    case 'web_fetch_result':
      return [str(c.url), resultText(c.content)].filter(Boolean).join('\n');
    case 'document': {
      // A fetched page's text; a fetched PDF (base64) is named by its title alone.
      const s = c.source;
      return [str(c.title), s?.type === 'text' ? str(s.data) : s?.type === 'content' ? resultText(s.content) : ''].filter(Boolean).join('\n');
    }
    case 'text':
      return str(c.text);
    default:
      // Code execution's results: their output and exit code; an editor's: the file content it read.
      return [str(c.stdout).trimEnd(), str(c.stderr).trimEnd(), str(c.content), typeof c.return_code === 'number' ? `exit code ${c.return_code}` : '']
        .filter(Boolean)
        .join('\n');
  }
}
