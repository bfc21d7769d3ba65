import type { ChatCompletion } from 'openai/resources/chat/completions';

type FinishReason = ChatCompletion.Choice['finish_reason'];

/**
 * Anthropic stop_reason -> OpenAI finish_reason. `model_context_window_exceeded` is a length stop.
 * `pause_turn` (Anthropic paused a long turn, its server tools still at work) is `length` too: the
 * answer is not complete, and `stop` would end a client's agent loop on half an answer; OpenAI's
 * enum has no "paused", and `length` is the value that says "cut short, not done" (on
 * /v1/responses: `incomplete`). Unknown future reasons read as `stop`, tool_calls when the turn
 * called tools.
 */
export function mapStopReason(reason: unknown, calledTools: boolean): FinishReason {
  switch (reason) {
    case 'max_tokens':
    case 'model_context_window_exceeded':
    case 'pause_turn':
      return 'length';
    case 'tool_use':
      // The forced JSON-output tool (json-output.ts) is the answer, not a call for the client.
      return calledTools ? 'tool_calls' : 'stop';
    case 'refusal':
      return 'content_filter';
    default:
      return calledTools ? 'tool_calls' : 'stop';
  }
}

/**
 * The choice's `stop_reason` beside its finish_reason when the turn was paused (`pause_turn`): a
 * client, and the /v1/responses bridge (response-skeleton.ts finalStatus), tells a pause to continue
 * from a token cap to raise. vLLM's answers carry a choice-level `stop_reason` too, so chat SDKs
 * leave it be. Nothing for any other reason: the answer stays OpenAI's shape byte for byte.
 */
export function pausedTurn(reason: unknown): { stop_reason: 'pause_turn' } | undefined {
  return reason === 'pause_turn' ? { stop_reason: 'pause_turn' } : undefined;
}
