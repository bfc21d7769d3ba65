import type { AppContext } from '../context';
import type { EndpointCaller } from '../proxy/endpoint-types';
import type { RouteDecision } from '../routing/types';
import type { ResponseStore } from './response-store';
import type { ResponsesRequest } from './responses-types';

/** What the caller of a Responses request hands it (createResponse's options), carried through its path. */
export interface ResponsesCaller extends EndpointCaller {
  store: ResponseStore;
  /** Client headers a provider may forward (see ChatCallContext.clientHeaders). */
  clientHeaders?: Readonly<Record<string, string>>;
}

/** Everything one Responses request carries through its path. */
export interface ResponsesRun extends ResponsesCaller {
  ctx: AppContext;
  req: ResponsesRequest;
  decision: RouteDecision;
  requestId: string;
}
