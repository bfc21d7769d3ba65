import { authenticateClient } from '../auth/client-auth';
import type { AppContext } from '../context';
import { badRequest, modelNotFound } from '../errors/api-error';
import { groupsAsModels, type GroupModelObject } from '../routing';
import type { RuntimeSnapshot } from '../state/snapshot-types';
import { assertKeyNotExpired } from '../limits/admit-request';
import type { V1Route } from './v1-routes';

interface ModelObject {
  id: string;
  object: 'model';
  created: number;
  owned_by: string;
  [extra: string]: unknown;
}

/** Enabled models of enabled providers, then groups; `mock/echo` when the mock provider is on. */
export function listModels(snap: RuntimeSnapshot, created: number): Array<ModelObject | GroupModelObject> {
  const out: ModelObject[] = [];
  for (const m of snap.models.values()) {
    if (!m.enabled || !snap.providers.get(m.provider)?.enabled) continue;
    out.push({ id: m.id, object: 'model', created, owned_by: m.provider });
  }
  out.sort((a, b) => a.id.localeCompare(b.id));
  if (snap.providers.get('mock')?.enabled) out.push({ id: 'mock/echo', object: 'model', created, owned_by: 'mock' });
  return [...out, ...groupsAsModels(snap, created)];
}

const detail = (summary: string) => ({ tags: ['OpenAI API'], summary });

/** The snapshot, once the request's client key is known good and not expired (throws the 401/403). */
function authorizedSnapshot(ctx: AppContext, request: Request): RuntimeSnapshot {
  const snap = ctx.state.getSnapshot();
  assertKeyNotExpired(ctx, authenticateClient(snap, request.headers.get('authorization')));
  return snap;
}

/** GET /v1/models in OpenAI's list format (errors in OpenAI's shape: v1-routes.ts). */
export function modelsRoute(ctx: AppContext): V1Route {
  const created = Math.floor(ctx.startedAt / 1000);
  return {
    handler: (request) => Response.json({ object: 'list', data: listModels(authorizedSnapshot(ctx, request), created) }),
    detail: detail('List models and model groups'),
  };
}

/** GET /v1/models/{id}: one model or group; ids hold slashes (`openai/gpt-4o`), sent as they are or encoded. */
export function modelRoute(ctx: AppContext): V1Route {
  const created = Math.floor(ctx.startedAt / 1000);
  return {
    handler: (request) => {
      const snap = authorizedSnapshot(ctx, request);
      const path = new URL(request.url).pathname;
      let id: string;
      try {
        id = decodeURIComponent(path.slice(path.indexOf('/v1/models/') + '/v1/models/'.length));
      } catch {
        throw badRequest('The model id in the path is not valid percent-encoded UTF-8.', 'model', 'invalid_model');
      }
      const found = listModels(snap, created).find((m) => m.id === id);
      if (!found) throw modelNotFound(id);
      return Response.json(found);
    },
    detail: detail('Retrieve one model or group'),
  };
}
