import { badRequest } from '../../errors/api-error';
import type { UpstreamBody } from '../types';

/**
 * The tool type of Kimi's builtin tools (`{type: "builtin_function", function: {name: "$web_search"}}`):
 * the provider runs them itself, and its answer's call of one (type builtin_function) is sent back
 * with the call's arguments as the tool result. Moonshot takes them; any other provider refuses them.
 */
export const BUILTIN_TOOL = 'builtin_function';

/**
 * A builtin tool sent to a provider other than Moonshot: OpenAI's 400 unsupported_parameter naming
 * it, before the call (a group passes the request on to a target that takes it), rather than the
 * upstream's own 400 or, for a provider that ignores the tool, an answer that searched nothing.
 */
export function refuseBuiltinTools(body: { tools?: unknown }, provider: string): void {
  if (!Array.isArray(body.tools)) return;
  const i = body.tools.findIndex((t: any) => t?.type === BUILTIN_TOOL);
  if (i < 0) return;
  const name = String(body.tools[i].function?.name ?? '').slice(0, 64);
  throw badRequest(
    `Builtin tools (type '${BUILTIN_TOOL}': '${name}') are Kimi's, served by provider 'moonshot' only; provider '${provider}' does not run them.`,
    `tools[${i}].type`,
    'unsupported_parameter',
  );
}
