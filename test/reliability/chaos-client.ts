/**
 * The client side of the chaos test: one request of a plan sent over real HTTP with fetch, read
 * the way the plan says (all of it, aborted after some time or after the first chunk, or left
 * unread), and what the client saw recorded for the checks.
 */

export const ENDPOINTS = ['chat', 'chat-stream', 'responses', 'responses-stream', 'messages', 'messages-stream', 'embeddings'] as const;
export type Endpoint = (typeof ENDPOINTS)[number];

export type Behaviour = { kind: 'read-all' } | { kind: 'abort-after-ms'; ms: number } | { kind: 'abort-after-first-chunk' } | { kind: 'stop-reading' };

export interface Seen {
  /** The answer's x-request-id; null when no headers came (aborted before them). */
  requestId: string | null;
  /** The answer's status; null when no headers came. */
  status: number | null;
  /** The client read the body to its end. */
  complete: boolean;
  /** The body carried an error event (a stream that failed after it started). */
  errorEvent: boolean;
  /** The body broke off with a network error while the client was still reading (not its own abort). */
  cut: boolean;
  /** The body of an error answer read whole. */
  errorBody?: string;
  /** A whole answer (not a stream) of 200 read whole, when under 1 MB. */
  answerBody?: string;
  /** Left unread: cancel it once the run is over. */
  unread?: ReadableStreamDefaultReader<Uint8Array>;
}

export function requestOf(endpoint: Endpoint, tag: number, group: string, embedGroup: string): { path: string; body: unknown; headers: Record<string, string> } {
  const stream = endpoint.endsWith('-stream');
  const text = `chaos-${tag} say hello`;
  if (endpoint.startsWith('chat')) {
    return { path: '/v1/chat/completions', headers: {}, body: { model: group, max_tokens: 40, stream, messages: [{ role: 'user', content: text }] } };
  }
  if (endpoint.startsWith('responses')) return { path: '/v1/responses', headers: {}, body: { model: group, max_output_tokens: 40, stream, input: text } };
  if (endpoint.startsWith('messages')) {
    return { path: '/v1/messages', headers: { 'anthropic-version': '2023-06-01' }, body: { model: group, max_tokens: 40, stream, messages: [{ role: 'user', content: text }] } };
  }
  return { path: '/v1/embeddings', headers: {}, body: { model: embedGroup, input: text } };
}

/**
 * A failure event in an SSE body of any of the three dialects: chat's `data: {"error"`, Responses'
 * `event: error` or `event: response.failed`, Anthropic's `event: error`.
 */
const ERROR_EVENT = /^(event: error|event: response\.failed|data: \{"error")/m;

export async function send(url: string, key: string, req: ReturnType<typeof requestOf>, behaviour: Behaviour): Promise<Seen> {
  const seen: Seen = { requestId: null, status: null, complete: false, errorEvent: false, cut: false };
  const ac = new AbortController();
  let aborted = false;
  const abort = () => {
    aborted = true;
    ac.abort();
  };
  const timer = behaviour.kind === 'abort-after-ms' ? setTimeout(abort, behaviour.ms) : null;
  try {
    const res = await fetch(`${url}${req.path}`, {
      method: 'POST',
      signal: ac.signal,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...req.headers },
      body: JSON.stringify(req.body),
    });
    seen.requestId = res.headers.get('x-request-id');
    seen.status = res.status;
    const reader = res.body!.getReader();
    const dec = new TextDecoder();
    let text = '';
    for (let first = true; ; first = false) {
      if (!first && behaviour.kind === 'stop-reading') {
        seen.unread = reader;
        break;
      }
      const { done, value } = await reader.read();
      if (done) {
        seen.complete = true;
        break;
      }
      text += dec.decode(value, { stream: true });
      if (behaviour.kind === 'abort-after-first-chunk') {
        abort();
        break;
      }
    }
    seen.errorEvent = ERROR_EVENT.test(text);
    if (seen.complete && seen.status !== 200) seen.errorBody = text;
    else if (seen.complete && !res.headers.get('content-type')?.includes('event-stream') && text.length < 1 << 20) seen.answerBody = text;
  } catch {
    if (!aborted) seen.cut = true;
  } finally {
    if (timer) clearTimeout(timer);
  }
  return seen;
}
