import type { OutputCap } from './output-limit';
import type { RequestClock } from './request-clock';

/** What an endpoint's work (createMessage, createResponse) gives its route: a JSON body, or an SSE stream, with the x-gophergate-* headers. */
export type EndpointAnswer =
  | { kind: 'json'; body: string; headers: Record<string, string> }
  | { kind: 'stream'; body: ReadableStream<Uint8Array>; headers: Record<string, string> };

/** Who called an endpoint's work and under what the /v1 prelude admitted it (openaiPost). */
export interface EndpointCaller {
  clientId: number | null;
  /** The team the request was admitted under (RequestMeta.teamId). */
  teamId: number | null;
  signal?: AbortSignal;
  /** Closes the client's connection: it stopped reading a stream and was dropped (see OpenUpstreamOptions.dropClient). */
  dropClient?: () => void;
  clock: RequestClock;
  /** The max_tokens a small budget affords each target, below the client's (LimitGrant.outputCap, ChatRunOptions.outputCap). */
  outputCap?: OutputCap;
}
