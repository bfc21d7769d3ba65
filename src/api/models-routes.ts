import { Elysia } from 'elysia';
import { authenticateClient } from '../auth/client-auth';
import type { AppContext } from '../context';
import { badRequest, modelNotFound } from '../errors/api-error';
import { groupsAsModels, type GroupModelObject } from '../routing';
import type { RuntimeSnapshot } from '../state/snapshot-types';
import { nativeCapable } from './native-routes';
import { assertKeyNotExpired } from '../limits/admit-request';
import { errorResponse } from './openai-request';

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

/** GET /v1/models and GET /v1/models/{id} in OpenAI's list/object format. */
export function modelsRoutes(ctx: AppContext) {
  const created = Math.floor(ctx.startedAt / 1000);
  const detail = { tags: ['OpenAI API'] };
  return new Elysia({ name: 'models-routes' })
    .get(
      '/v1/models',
      nativeCapable(({ request }) => {
        try {
          const snap = ctx.state.getSnapshot();
          assertKeyNotExpired(ctx, authenticateClient(snap, request.headers.get('authorization')));
          return Response.json({ object: 'list', data: listModels(snap, created) });
        } catch (err) {
          return errorResponse(err);
        }
      }),
      { detail: { ...detail, summary: 'List models and model groups' } },
    )
    .get(
      '/v1/models/*',
      // Marked too (for the CORS headers); Bun's router only takes static paths, so Elysia calls it.
      nativeCapable(({ request }) => {
        try {
          const snap = ctx.state.getSnapshot();
          assertKeyNotExpired(ctx, authenticateClient(snap, request.headers.get('authorization')));
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
        } catch (err) {
          return errorResponse(err);
        }
      }),
      { detail: { ...detail, summary: 'Retrieve one model or group' } },
    );
}
