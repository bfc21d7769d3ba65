import type { AppContext } from '../context';
import type { RequestClock } from '../proxy/request-clock';
import type { RouteDecision } from '../routing/types';
import type { ResponseStore } from './response-store';
import type { ResponsesRequest } from './responses-types';
import type { OutputCap } from '../proxy/output-limit';

/** What the route sends: a JSON body, or an SSE stream, with the x-gophergate-* headers. */
export type ResponsesAnswer =
  | { kind: 'json'; body: string; headers: Record<string, string> }
  | { kind: 'stream'; body: ReadableStream<Uint8Array>; headers: Record<string, string> };

/** What the caller of a Responses request hands it (createResponse's options), carried through its path. */
export interface ResponsesCaller {
  clientId: number | null;
  /** The team the request was admitted under (RequestMeta.teamId). */
  teamId: number | null;
  signal?: AbortSignal;
  /** Closes the client's connection: it stopped reading a stream and was dropped (see OpenUpstreamOptions.dropClient). */
  dropClient?: () => void;
  clock: RequestClock;
  store: ResponseStore;
  /** Client headers a provider may forward (see ChatCallContext.clientHeaders). */
  clientHeaders?: Readonly<Record<string, string>>;
  /** The max_tokens a small budget affords each target (ChatRunOptions.outputCap). */
  outputCap?: OutputCap;
}

/** Everything one Responses request carries through its path. */
export interface ResponsesRun extends ResponsesCaller {
  ctx: AppContext;
  req: ResponsesRequest;
  decision: RouteDecision;
  requestId: string;
}
