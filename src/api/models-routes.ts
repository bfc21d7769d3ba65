import type { AppContext } from '../context';
import { badRequest, modelNotFound } from '../errors/api-error';
import { groupsAsModels, resolveConcrete, type GroupModelObject } from '../routing';
import type { RuntimeSnapshot } from '../state/snapshot-types';
import { assertKeyNotExpired } from '../limits/admit-request';
import type { V1Route } from './v1-routes';
import { anthropicModelPage, isAnthropicClient, modelInfo } from './anthropic-models';
import { clientOf, errorResponse } from './openai-request';

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

const contextWindowOf = (snap: RuntimeSnapshot, id: string) => snap.models.get(id)?.contextWindow ?? null;

const detail = (summary: string) => ({ tags: ['OpenAI API'], summary });

/** The snapshot, once the request's client key is known good and not expired (throws the 401/403). */
function authorizedSnapshot(ctx: AppContext, request: Request, dialect: 'openai' | 'anthropic'): RuntimeSnapshot {
  const snap = ctx.state.getSnapshot();
  assertKeyNotExpired(ctx, clientOf(snap, request, dialect));
  return snap;
}

/**
 * OpenAI's shape, or Anthropic's for Anthropic's clients (`anthropic-version` sent: the key may
 * come as x-api-key, the answer and any error are Anthropic's; see anthropic-models.ts).
 */
function eitherDialect(openai: (request: Request) => Response, anthropic: (request: Request) => Response) {
  return (request: Request) => {
    if (!isAnthropicClient(request)) return openai(request);
    try {
      return anthropic(request);
    } catch (err) {
      return errorResponse(err, {}, 'anthropic');
    }
  };
}

/** GET /v1/models in OpenAI's list format (errors in OpenAI's shape: v1-routes.ts), or Anthropic's page of models. */
export function modelsRoute(ctx: AppContext): V1Route {
  const created = Math.floor(ctx.startedAt / 1000);
  const createdAt = new Date(ctx.startedAt).toISOString();
  return {
    handler: eitherDialect(
      (request) => Response.json({ object: 'list', data: listModels(authorizedSnapshot(ctx, request, 'openai'), created) }),
      (request) => {
        const snap = authorizedSnapshot(ctx, request, 'anthropic');
        const all = listModels(snap, created).map((m) => modelInfo(m.id, createdAt, contextWindowOf(snap, m.id)));
        return Response.json(anthropicModelPage(all, new URL(request.url).searchParams));
      },
    ),
    detail: detail('List models and model groups'),
  };
}

/**
 * GET /v1/models/{id}: one model or group, or any `provider/model` chat would forward; ids hold
 * slashes (`openai/gpt-4o`), sent as they are or encoded.
 */
export function modelRoute(ctx: AppContext): V1Route {
  const created = Math.floor(ctx.startedAt / 1000);
  const createdAt = new Date(ctx.startedAt).toISOString();
  const find = (request: Request, dialect: 'openai' | 'anthropic') => {
    const snap = authorizedSnapshot(ctx, request, dialect);
    const path = new URL(request.url).pathname;
    let id: string;
    try {
      id = decodeURIComponent(path.slice(path.indexOf('/v1/models/') + '/v1/models/'.length));
    } catch {
      throw badRequest('The model id in the path is not valid percent-encoded UTF-8.', 'model', 'invalid_model');
    }
    const found = listModels(snap, created).find((m) => m.id === id);
    if (found) return { model: found, contextWindow: contextWindowOf(snap, id) };
    // `provider/model`, as chat takes it (routing/resolve-concrete.ts): a model of the table named
    // with its provider, or an id the table lacks, forwarded to an enabled provider as it is.
    const target = resolveConcrete(id, snap);
    if (!target) throw modelNotFound(id);
    return { model: { id, object: 'model' as const, created, owned_by: target.provider }, contextWindow: target.entry?.contextWindow ?? null };
  };
  return {
    handler: eitherDialect(
      (request) => Response.json(find(request, 'openai').model),
      (request) => {
        const { model, contextWindow } = find(request, 'anthropic');
        return Response.json(modelInfo(model.id, createdAt, contextWindow));
      },
    ),
    detail: detail('Retrieve one model or group'),
  };
}
