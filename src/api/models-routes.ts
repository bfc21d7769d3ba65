import type { AppContext } from '../context';
import { badRequest, modelNotFound } from '../errors/api-error';
import { caseTwin, groupsAsModels, resolveConcrete, type GroupModelObject } from '../routing';
import type { ClientEntry, RuntimeSnapshot } from '../state/snapshot-types';
import { assertKeyNotExpired } from '../limits/admit-request';
import { isModelAllowed } from '../limits/allow-list';
import type { V1Handler, V1Route } from './v1-route-types';
import { anthropicModelPage, modelInfo } from './anthropic-models';
import { isAnthropicClient } from './anthropic-client';
import { clientOf, errorResponse } from './openai-request';
import type { PulledModel } from '../providers/ollama/ollama-tags-api';
import { prefixedOllamaTwin, ollamaTwin } from '../providers/ollama/ollama-tag';
import { MAX_MODEL_CHARS } from '../routing/model-name';

interface ModelObject {
  id: string;
  object: 'model';
  created: number;
  owned_by: string;
  [extra: string]: unknown;
}

/**
 * Enabled models of enabled providers, and the models the Ollama upstream has pulled that the
 * table does not hold (`ollama/<name>` as Ollama names them, `ollama/llama3.2:latest`: chat
 * forwards any `ollama/…`), then groups; `mock/echo` when the mock provider is on.
 */
export function listModels(snap: RuntimeSnapshot, created: number, pulled: readonly PulledModel[] = []): Array<ModelObject | GroupModelObject> {
  const out: ModelObject[] = [];
  for (const m of snap.models.values()) {
    if (!m.enabled || !snap.providers.get(m.provider)?.enabled) continue;
    out.push({ id: m.id, object: 'model', created, owned_by: m.provider });
  }
  if (pulled.length && snap.providers.get('ollama')?.enabled) {
    for (const p of pulled) {
      // A model of the table (under either spelling of its tag) is listed, or disabled, under its own id.
      if (snap.models.get(p.name)?.provider === 'ollama' || ollamaTwin(p.name, snap.models)) continue;
      out.push({ id: `ollama/${p.name}`, object: 'model', created: p.modifiedAt ?? created, owned_by: 'ollama' });
    }
  }
  out.sort((a, b) => a.id.localeCompare(b.id));
  if (snap.providers.get('mock')?.enabled) out.push({ id: 'mock/echo', object: 'model', created, owned_by: 'mock' });
  return [...out, ...groupsAsModels(snap, created)];
}

const contextWindowOf = (snap: RuntimeSnapshot, id: string) => snap.models.get(id)?.contextWindow ?? null;

const detail = (summary: string) => ({ tags: ['OpenAI API'], summary });

/**
 * The models and groups a known-good, current key may call: a key or team with a `models` list
 * sees only what the list allows (as OpenAI lists what a key has access to), so a client that fills
 * its model picker from here does not offer names every call to which is a 403 model_not_allowed.
 */
function modelsForKey(snap: RuntimeSnapshot, client: ClientEntry, created: number, pulled?: readonly PulledModel[]) {
  const scopes = client.limits?.scopes ?? [];
  const allows = (name: string) => scopes.every((sc) => isModelAllowed(sc.allow, name, snap.models));
  const all = listModels(snap, created, pulled);
  return { allows, models: scopes.every((sc) => sc.allow === null) ? all : all.filter((m) => allows(m.id)) };
}

type Answer = (request: Request, client: ClientEntry, snap: RuntimeSnapshot) => Response | Promise<Response>;

/**
 * Authenticates the key (the 401s, an expired key's too), then answers in OpenAI's shape, or
 * Anthropic's for Anthropic's clients (`anthropic-version` sent: the key may come as x-api-key,
 * the answer and any error are Anthropic's; see anthropic-client.ts). A key with an RPM or TPM
 * limit (or in a team with one) gets the rate headers on the answer and its errors (v1Answer), from
 * a read-only look at its windows: reading the list counts against nothing.
 */
function eitherDialect(ctx: AppContext, openai: Answer, anthropic: Answer): V1Handler {
  return async (request, _server, key) => {
    const dialect = isAnthropicClient(request) ? 'anthropic' : 'openai';
    const snap = ctx.state.getSnapshot();
    let client: ClientEntry;
    try {
      client = clientOf(snap, request, dialect);
      key.limits = client.limits;
      key.anthropic = dialect === 'anthropic';
      assertKeyNotExpired(ctx, client);
    } catch (err) {
      return errorResponse(err, {}, dialect);
    }
    try {
      return await (dialect === 'anthropic' ? anthropic : openai)(request, client, snap);
    } catch (err) {
      return errorResponse(err, {}, dialect);
    }
  };
}

/** What the Ollama upstream has pulled (cached; none while it is off or its circuit open: AppContext.ollamaModels). */
const pulledOf = (ctx: AppContext, snap: RuntimeSnapshot) => ctx.ollamaModels.list(snap.providers.get('ollama'), ctx.breakers.available('ollama'));

/**
 * GET /v1/models in OpenAI's list format (errors in OpenAI's shape: v1-routes.ts), or Anthropic's
 * page of models; with the models Ollama has pulled (asked only here, after the key passed).
 */
export function modelsRoute(ctx: AppContext): V1Route {
  const created = Math.floor(ctx.startedAt / 1000);
  const createdAt = new Date(ctx.startedAt).toISOString();
  return {
    handler: eitherDialect(
      ctx,
      async (_request, client, snap) => Response.json({ object: 'list', data: modelsForKey(snap, client, created, await pulledOf(ctx, snap)).models }),
      async (request, client, snap) => {
        const { models } = modelsForKey(snap, client, created, await pulledOf(ctx, snap));
        const all = models.map((m) => modelInfo(m.id, createdAt, contextWindowOf(snap, m.id)));
        return Response.json(anthropicModelPage(all, new URL(request.url).searchParams));
      },
    ),
    detail: detail('List models and model groups'),
  };
}

/** `ollama/llama3.2` where the list shows the pulled `ollama/llama3.2:latest` (one model to Ollama: ollama-tag.ts). */
function pulledTwin(models: ReadonlyArray<ModelObject | GroupModelObject>, id: string) {
  const twin = prefixedOllamaTwin(id);
  return twin === null ? undefined : models.find((m) => m.id === twin);
}

/**
 * GET /v1/models/{id}: one model or group, or any `provider/model` chat would forward; ids hold
 * slashes (`openai/gpt-4o`), sent as they are or encoded.
 */
export function modelRoute(ctx: AppContext): V1Route {
  const created = Math.floor(ctx.startedAt / 1000);
  const createdAt = new Date(ctx.startedAt).toISOString();
  const find = async (request: Request, client: ClientEntry, snap: RuntimeSnapshot) => {
    const path = new URL(request.url).pathname;
    let id: string;
    try {
      id = decodeURIComponent(path.slice(path.indexOf('/v1/models/') + '/v1/models/'.length));
    } catch {
      throw badRequest('The model id in the path is not valid percent-encoded UTF-8.', 'model', 'invalid_model');
    }
    // A pulled Ollama model is the entry the list shows (its `created` is Ollama's modified_at, from
    // listModels alone), so Ollama's list (cached) is read here too, for `ollama/…` ids only.
    const pulled = id.startsWith('ollama/') ? await pulledOf(ctx, snap) : undefined;
    const { models, allows } = modelsForKey(snap, client, created, pulled);
    const found = models.find((m) => m.id === id) ?? pulledTwin(models, id);
    if (found) return { model: found.id === id ? found : { ...found, id }, contextWindow: contextWindowOf(snap, id) };
    // `provider/model`, as chat takes it (routing/resolve-concrete.ts): a model of the table named
    // with its provider, or an id the table lacks, forwarded to an enabled provider as it is; never
    // a name longer than chat takes (model-name.ts).
    const target = id.length <= MAX_MODEL_CHARS && allows(id) ? resolveConcrete(id, snap) : null;
    if (!target) throw modelNotFound(id, undefined, caseTwin(id, models.map((m) => m.id)));
    return { model: { id, object: 'model' as const, created, owned_by: target.provider }, contextWindow: target.entry?.contextWindow ?? null };
  };
  return {
    handler: eitherDialect(
      ctx,
      async (request, client, snap) => Response.json((await find(request, client, snap)).model),
      async (request, client, snap) => {
        const { model, contextWindow } = await find(request, client, snap);
        return Response.json(modelInfo(model.id, createdAt, contextWindow));
      },
    ),
    detail: detail('Retrieve one model or group'),
  };
}
