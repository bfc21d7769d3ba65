/** @jsxImportSource #html */
import { domIdPart } from '../dom-id';
import { FIELD_LABELS } from '../field-labels';
import { formValue } from '../form-number';
import { Card, DECIMAL_FIELD, FormErrors, postTo } from '../components/ui';
import { EmptyState, PageHeader } from '../components/layout';
import type { LongContextTier } from '../../usage/price-types';
import { MAX_LONG_CONTEXT_THRESHOLD } from '../../admin/model-patch-limits';
import { MODEL_ID_MAX_CHARS } from '../../admin/models-service';
import { daysLabel, type TimeOfDayWindow } from '../../usage/time-of-day-prices';

export interface ModelRow {
  id: string;
  provider: string;
  upstreamId: string;
  kind: 'chat' | 'image' | 'embedding';
  enabled: boolean;
  inputPrice: number;
  cachedInputPrice: number | null;
  outputPrice: number;
  reasoningPrice: number | null;
  imagePrice: number | null;
  /** Prompt-cache writes, USD per 1M tokens (blank: input price). */
  cacheWritePrice?: number | null;
  /** Dearer prices from a prompt length on (admins edit it under the model's id, as PATCH /api/models/{id} does). */
  longContext?: LongContextTier | null;
  /** Audio tokens of the prompt / the output, USD per 1M (blank: the text prices). */
  audioInputPrice?: number | null;
  audioOutputPrice?: number | null;
  /** Every token price times this for an answer OpenAI served at service_tier flex / priority (blank: standard prices). */
  flexMultiplier?: number | null;
  priorityMultiplier?: number | null;
  /** Every token price times this for an answer Anthropic ran in fast mode / only in the US (blank: standard prices). */
  fastMultiplier?: number | null;
  usInferenceMultiplier?: number | null;
  /** The most output tokens per answer (a request asking more is sent with this many); blank: unknown, sent as asked. */
  maxOutputTokens?: number | null;
  /** Added by the seed (which puts it back at every start): disabled, never deleted. */
  seeded?: boolean;
  /** Daily UTC windows of other token prices (DeepSeek's peak and off-peak hours); read-only here. */
  timeOfDay?: TimeOfDayWindow[] | null;
}

const price = formValue;

/** The long-context tier under the model's id: each price the tier sets; the rest stay at base. */
function LongContextNote(props: { tier: LongContextTier | null | undefined }) {
  const t = props.tier;
  if (!t) return '';
  const parts = ([['in', t.input], ['cache read', t.cachedInput], ['cache write', t.cacheWrite], ['out', t.output], ['reasoning', t.reasoning]] as const)
    .filter(([, v]) => v != null)
    .map(([k, v]) => `${k} ${v}`);
  const text = `from ${t.threshold.toLocaleString('en-US')} prompt tokens: ${parts.join(', ') || 'base prices'}`;
  return (
    <div class="muted small long-context" title="Long-context tier: a prompt this long (cache reads and writes included) bills the whole request at these prices; the others stay at base" safe>
      {text}
    </div>
  );
}

/** Where the tier editor of a row shows why a save was refused (it stays open with what was typed). */
export const tierErrorSlot = (rowId: string) => `${rowId}_tier-errors`;

/**
 * The tier under an admin's model id: the note (or "no long-context tier") opens a small form,
 * as a key's limits summary does. A blank threshold means no tier; a blank price keeps the base one.
 */
function LongContextEditor(props: { m: ModelRow; rowId: string; url: string }) {
  const t = props.m.longContext;
  const v = formValue;
  const tierPrice = (name: string, label: string, value: number | null | undefined, base: string) => (
    <label>{label}
      <input class="tier-price" {...DECIMAL_FIELD} name={name} value={v(value)} placeholder={`= ${base}`} />
    </label>
  );
  return (
    <div class="long-context-editor" x-data="editors">
      <button type="button" class="link-button" title="Edit the long-context tier" aria-label="Edit the long-context tier" data-opens="tier" x-bind:aria-expanded="!!open.tier" x-on:click="toggle('tier')">
        {t ? <LongContextNote tier={t} /> : <span class="muted small long-context none">no long-context tier</span>}
      </button>
      <form x-show="open.tier" x-cloak data-editor="tier" class="limits-form tier-form" {...postTo(props.url)} hx-target={`#${props.rowId}`} hx-swap="outerHTML">
        <div id={tierErrorSlot(props.rowId)}></div>
        <div class="form-grid">
          <label>From prompt tokens
            <input name="long_context_threshold" type="number" min="1" max={String(MAX_LONG_CONTEXT_THRESHOLD)} step="1" value={v(t?.threshold)} placeholder="no tier" />
          </label>
          {tierPrice('long_context_input_price', 'Input', t?.input, 'input')}
          {tierPrice('long_context_cached_input_price', 'Cache read', t?.cachedInput, 'cache read')}
          {tierPrice('long_context_cache_write_price', 'Cache write', t?.cacheWrite, 'cache write')}
          {tierPrice('long_context_output_price', 'Output', t?.output, 'output')}
          {tierPrice('long_context_reasoning_price', 'Reasoning', t?.reasoning, 'reasoning')}
        </div>
        <button type="submit" class="btn small primary">Save tier</button>
        <button type="button" class="btn small ghost" x-on:click="close('tier')">Cancel</button>
      </form>
    </div>
  );
}

/**
 * The time-of-day windows under the model's id, read-only: `16:30–00:30 UTC: in 0.135, cache read
 * 0.035, out 0.55`, one line each, `01:00–04:00 UTC Mon–Fri: …` for one that holds on some weekdays
 * only. Changing a flat token price clears them (models-service.ts).
 */
function TimeOfDayNote(props: { windows: TimeOfDayWindow[] | null | undefined }) {
  if (!props.windows?.length) return '';
  const line = (w: TimeOfDayWindow) => {
    const parts = ([['in', w.input_price], ['cache read', w.cached_input_price], ['cache write', w.cache_write_price], ['out', w.output_price]] as const)
      .filter(([, v]) => v != null)
      .map(([k, v]) => `${k} ${price(v)}`);
    return `${w.start}–${w.end} UTC${w.days?.length ? ` ${daysLabel(w.days)}` : ''}: ${parts.join(', ')}`;
  };
  return (
    <div class="muted small time-of-day" title="Time-of-day prices: a request that starts in one of these UTC windows (on its UTC weekdays, when listed: the day a window over midnight began) bills its tokens at the window's prices (USD per 1M), the flat ones otherwise. Changing a flat token price removes them">
      {props.windows.map((w) => <div safe>{line(w)}</div>)}
    </div>
  );
}

/** A multiplier as read in a note: 5/3 is "×1.6667", not sixteen digits (the editor keeps the exact value). */
const times = (v: number) => `×${Number(v.toFixed(4))}`;

/** Audio prices and processing-tier multipliers under the model's id; null when the model has none. */
function audioTiersText(m: ModelRow): string | null {
  const parts = ([
    ['audio in', m.audioInputPrice, String], ['audio out', m.audioOutputPrice, String],
    ['flex', m.flexMultiplier, times], ['priority', m.priorityMultiplier, times],
    ['fast', m.fastMultiplier, times], ['US-only', m.usInferenceMultiplier, times],
  ] as const).filter(([, v]) => v != null).map(([k, v, f]) => `${k} ${f(v!)}`);
  return parts.length ? parts.join(', ') : null;
}

function AudioTiersNote(props: { m: ModelRow }) {
  const text = audioTiersText(props.m);
  if (!text) return '';
  return (
    <div class="muted small audio-tiers" title="Audio tokens bill at these prices (USD per 1M); an answer OpenAI served at service_tier flex or priority, or Anthropic ran in fast mode or only in the US, bills every token price times its multiplier" safe>
      {text}
    </div>
  );
}

/** Where the audio/tier editor of a row shows why a save was refused (it stays open with what was typed). */
export const audioTiersErrorSlot = (rowId: string) => `${rowId}_audio-tiers-errors`;

/**
 * Audio prices and the flex/priority/fast/US-only multipliers under an admin's model id, edited as the long-context
 * tier is: the note opens a small form; a blank field bills as text / at the standard prices.
 */
function AudioTiersEditor(props: { m: ModelRow; rowId: string; url: string }) {
  const { m } = props;
  const v = formValue;
  const input = (name: string, label: string, value: number | null | undefined, placeholder: string) => (
    <label>{label}
      <input class="extra-price" {...DECIMAL_FIELD} name={name} value={v(value)} placeholder={placeholder} />
    </label>
  );
  return (
    <div class="audio-tiers-editor" x-data="editors">
      <button type="button" class="link-button" title="Edit audio prices and the flex, priority, fast-mode and US-only multipliers" aria-label="Edit audio prices and the flex, priority, fast-mode and US-only multipliers" data-opens="tiers" x-bind:aria-expanded="!!open.tiers" x-on:click="toggle('tiers')">
        {audioTiersText(m) ? <AudioTiersNote m={m} /> : <span class="muted small audio-tiers none">no audio/tier prices</span>}
      </button>
      <form x-show="open.tiers" x-cloak data-editor="tiers" class="limits-form audio-tiers-form" {...postTo(props.url)} hx-target={`#${props.rowId}`} hx-swap="outerHTML">
        <div id={audioTiersErrorSlot(props.rowId)}></div>
        <div class="form-grid">
          {input('audio_input_price', 'Audio input $/1M', m.audioInputPrice, '= input')}
          {input('audio_output_price', 'Audio output $/1M', m.audioOutputPrice, '= output')}
          {input('flex_price_multiplier', 'Flex tier ×', m.flexMultiplier, 'standard')}
          {input('priority_price_multiplier', 'Priority tier ×', m.priorityMultiplier, 'standard')}
          {input('fast_price_multiplier', 'Fast mode ×', m.fastMultiplier, 'standard')}
          {input('us_inference_price_multiplier', 'US-only inference ×', m.usInferenceMultiplier, 'standard')}
        </div>
        <button type="submit" class="btn small primary">Save audio and tiers</button>
        <button type="button" class="btn small ghost" x-on:click="close('tiers')">Cancel</button>
      </form>
    </div>
  );
}

/** The price inputs of a row, in the order of its cells (its Save form sends these). */
export const ROW_PRICES = ['input_price', 'cached_input_price', 'cache_write_price', 'output_price', 'max_output_tokens', 'reasoning_price', 'image_price'] as const;

/** A refused save: its message, the field it is about (null: the row), and the prices as typed. */
export interface RowError {
  message: string;
  field?: string | null;
  typed?: Record<string, string>;
}

/** A price input; with the refusal about it, the value as typed and the message under it. */
function PriceInput(props: { name: string; value: number | null; label: string; placeholder?: string; rowId: string; error?: RowError; tokens?: boolean }) {
  const e = props.error;
  const typed = e?.typed?.[props.name];
  const invalid = e?.field === props.name;
  const msgId = `${props.rowId}_${props.name}-error`;
  return (
    <>
      <input class="price" {...(props.tokens ? { type: 'number', step: '1', min: '1', max: String(MAX_LONG_CONTEXT_THRESHOLD) } : DECIMAL_FIELD)} name={props.name} value={typed ?? price(props.value)}
        aria-label={props.label} title={props.label} placeholder={props.placeholder ?? ''}
        aria-invalid={invalid ? 'true' : undefined} aria-describedby={invalid ? msgId : undefined} />
      {invalid ? <div class="form-error small field-error" id={msgId} role="alert" safe>{e!.message}</div> : ''}
    </>
  );
}

/** A model row's element id (its id with anything unusual as `_`). */
export const modelRowId = (id: string) => `model-${domIdPart(id)}`;

/**
 * What replaces a deleted model's row: a row saying so, under the row's own id. An empty answer
 * left nothing in the page to hold the focus (it fell to the page's start, the next Tab went to
 * the sidebar) and nothing for a screen reader to announce.
 */
export function ModelDeletedRow(props: { id: string }) {
  return (
    <tr id={modelRowId(props.id)} class="deleted">
      <td colspan="10"><span class="saved small" role="status">Deleted <code safe>{props.id}</code>.</span></td>
    </tr>
  );
}

export function ModelRowView(props: { m: ModelRow; admin: boolean; error?: RowError; saved?: boolean }) {
  const { m, admin } = props;
  const rowId = modelRowId(m.id);
  const url = `/models/${encodeURIComponent(m.id)}`;
  if (!admin) {
    return (
      <tr id={rowId}>
        <td><code safe>{m.id}</code><LongContextNote tier={m.longContext} /><AudioTiersNote m={m} /><TimeOfDayNote windows={m.timeOfDay} /></td>
        <td safe>{m.provider}</td>
        <td safe>{m.kind}</td>
        <td>{m.enabled ? <span class="badge ok">on</span> : <span class="badge muted">off</span>}</td>
        <td class="num">{price(m.inputPrice)}</td>
        <td class="num">{`${price(m.cachedInputPrice) || '—'} / ${price(m.cacheWritePrice ?? null) || '—'}`}</td>
        <td class="num">{price(m.outputPrice)}{m.maxOutputTokens != null ? <div class="muted small max-output" safe>{`max ${m.maxOutputTokens.toLocaleString('en-US')} tokens`}</div> : ''}</td>
        <td class="num">{price(m.reasoningPrice) || '—'}</td>
        <td class="num">{price(m.imagePrice) || '—'}</td>
      </tr>
    );
  }
  // A <form> cannot span table cells, so the row's Save form pulls the price inputs in with hx-include.
  const formId = `${rowId}_form`;
  return (
    <tr id={rowId}>
      <td>
        <code safe>{m.id}</code>{m.upstreamId !== m.id ? <div class="muted small" safe>{`→ ${m.upstreamId}`}</div> : ''}
        <LongContextEditor m={m} rowId={rowId} url={url} />
        <AudioTiersEditor m={m} rowId={rowId} url={url} />
        <TimeOfDayNote windows={m.timeOfDay} />
      </td>
      <td safe>{m.provider}</td>
      <td safe>{m.kind}</td>
      <td>
        <button type="button" class={`btn small ${m.enabled ? 'ok' : 'ghost'}`} hx-post={url} hx-vals={JSON.stringify({ enabled: String(!m.enabled) })} hx-target={`#${rowId}`} hx-swap="outerHTML"
          title={m.enabled ? 'Click to disable' : 'Click to enable'}>{m.enabled ? 'on' : 'off'}</button>
      </td>
      <td><PriceInput name="input_price" rowId={rowId} error={props.error} value={m.inputPrice} label="Input $/1M tokens" /></td>
      {/* Cache read and cache write share a cell, one above the other: the row must fit the page. */}
      <td class="stacked">
        <PriceInput name="cached_input_price" rowId={rowId} error={props.error} value={m.cachedInputPrice} label="Cached input (cache read) $/1M tokens (blank: input price)" placeholder="= input" />
        <PriceInput name="cache_write_price" rowId={rowId} error={props.error} value={m.cacheWritePrice ?? null} label="Cache write $/1M tokens (blank: input price)" placeholder="write = input" />
      </td>
      {/* The output limit sits under the output price: both are about the answer, and the row must fit the page. */}
      <td class="stacked">
        <PriceInput name="output_price" rowId={rowId} error={props.error} value={m.outputPrice} label="Output $/1M tokens" />
        <PriceInput name="max_output_tokens" rowId={rowId} error={props.error} value={m.maxOutputTokens ?? null} tokens
          label="Max output tokens per answer: a request asking more is sent with this many (blank: unknown, sent as asked)" placeholder="max out: any" />
      </td>
      <td><PriceInput name="reasoning_price" rowId={rowId} error={props.error} value={m.reasoningPrice} label="Reasoning $/1M tokens (blank: output price)" placeholder="= output" /></td>
      <td><PriceInput name="image_price" rowId={rowId} error={props.error} value={m.imagePrice} label="$ per image" placeholder="—" /></td>
      <td class="actions">
        <form id={formId} {...postTo(url)} hx-target={`#${rowId}`} hx-swap="outerHTML" hx-include={`#${rowId} input.price`}>
          <button type="submit" class="btn small">Save</button>
        </form>
        {m.seeded ? '' : (
          <button type="button" class="btn small danger" hx-post={`${url}/delete`} hx-target={`#${rowId}`} hx-swap="outerHTML"
            hx-confirm={`Delete the model ${m.id}? Requests naming it by its bare id get 404; provider/id is priced from genai-prices or refused to budgeted keys.`}>Delete</button>
        )}
        {props.saved ? <span class="saved small" role="status">saved</span> : ''}
        {props.error && !(ROW_PRICES as readonly string[]).includes(props.error.field ?? '') ? <span class="form-error small" role="alert" safe>{props.error.message}</span> : ''}
      </td>
    </tr>
  );
}

/** Where the "Add model" form shows why a model was not added (the form keeps what was typed). */
export const MODEL_CREATE_ERRORS = 'model_create-errors';

/**
 * An admin adds a model the table lacks (a model released after this build, a fine-tune). Prices
 * left blank come from the bundled genai-prices data when it lists the model (free on Ollama).
 */
function CreateModelForm(props: { providers: string[]; provider: string | null; added?: string; errors?: string[] }) {
  const priceInput = (name: string, label: string, placeholder: string) => (
    <label>{label}
      <input name={name} {...DECIMAL_FIELD} placeholder={placeholder} />
    </label>
  );
  return (
    <form id="model_create" {...postTo('/models')} hx-target="#models-section" hx-swap="outerHTML">
      <input type="hidden" name="view_provider" value={props.provider ?? ''} />
      <div class="form-grid">
        <label>Model id
          <input id="model-new-id" name="id" required maxlength={String(MODEL_ID_MAX_CHARS)} placeholder="e.g. gpt-5.5" autocomplete="off" />
        </label>
        <label>Provider
          <select name="provider" required>
            {props.providers.map((p) => <option value={p} selected={p === props.provider} safe>{p}</option>)}
          </select>
        </label>
        <label>Upstream id
          <input name="upstream_id" maxlength={String(MODEL_ID_MAX_CHARS)} placeholder="= model id" autocomplete="off" />
        </label>
        <label>Kind
          <select name="kind">
            <option value="chat" selected>chat</option>
            <option value="embedding">embedding</option>
            <option value="image">image</option>
          </select>
        </label>
        {priceInput('input_price', FIELD_LABELS.input_price, 'genai-prices')}
        {priceInput('cached_input_price', 'Cached input $/1M', 'genai-prices')}
        {priceInput('output_price', FIELD_LABELS.output_price, 'genai-prices')}
        {priceInput('image_price', '$ per image', '—')}
        <label>Context window
          <input name="context_window" type="number" min="1" max={String(MAX_LONG_CONTEXT_THRESHOLD)} step="1" placeholder="genai-prices" />
        </label>
        <label>Max output tokens
          <input name="max_output_tokens" type="number" min="1" max={String(MAX_LONG_CONTEXT_THRESHOLD)} step="1" placeholder="unknown" />
        </label>
      </div>
      <p class="muted small">Blank prices and window come from the bundled genai-prices data when it lists the model (Ollama models are free); otherwise give input and output prices. A request asking for more output than the max output tokens is sent with that many (blank: sent as asked). A model without a price is refused to keys with a budget.</p>
      <button type="submit" class="btn primary">Add model</button>
      {/* In the errors' slot, so a failed add that follows replaces "added …" rather than sit under it. */}
      <div id={MODEL_CREATE_ERRORS}><FormErrors errors={props.errors} />{props.added ? <span class="saved small" role="status" safe>{`added ${props.added}`}</span> : ''}</div>
    </form>
  );
}

/** Everything below the header; adding a model swaps this whole section. */
export function ModelsSection(props: { models: ModelRow[]; providers: string[]; provider: string | null; admin: boolean; added?: string }) {
  return (
    <div id="models-section">
      {props.admin ? <Card><CreateModelForm providers={props.providers} provider={props.provider} added={props.added} /></Card> : ''}
      {props.models.length === 0 ? (
        <EmptyState title="No models for this filter">
          Any <code>provider/model-id</code> still works without a row here, priced from genai-prices when it lists the id{props.admin ? '; add it above to set its prices' : ''}.
        </EmptyState>
      ) : (
        <Card>
          <div class="table-wrap">
            <table class="table" id="models-table">
              <thead>
                <tr><th>Model</th><th>Provider</th><th>Kind</th><th>Enabled</th><th>Input</th><th>Cached<div class="muted small">read / write</div></th><th>Output</th><th>Reasoning</th><th>Image</th>{props.admin ? <th></th> : ''}</tr>
              </thead>
              <tbody>{props.models.map((m) => <ModelRowView m={m} admin={props.admin} />)}</tbody>
            </table>
          </div>
        </Card>
      )}
    </div>
  );
}

export function ModelsView(props: { models: ModelRow[]; providers: string[]; provider: string | null; admin: boolean }) {
  return (
    <div class="page" data-page="models">
      <PageHeader title="Models" subtitle="Prices are USD per 1M tokens (per image for image models). Blank cached/reasoning prices fall back to input/output. A long-context tier, shown under a model's id, bills a whole request at its prices once the prompt is that long; below it, audio-token prices and the multipliers of OpenAI's flex and priority tiers. Admins click either to edit it. Time-of-day prices (DeepSeek's peak and off-peak hours) are listed last: a request that starts in a UTC window bills at its prices; changing a flat token price removes them.">
        <form hx-get="/models" hx-target="#main" hx-push-url="true" hx-trigger="change">
          {/* The id: htmx gives it the focus back after the reload (arrowing through the providers). */}
          <select id="models-provider-filter" name="provider" aria-label="Filter by provider">
            <option value="">All providers</option>
            {props.providers.map((p) => <option value={p} selected={p === props.provider} safe>{p}</option>)}
          </select>
        </form>
      </PageHeader>
      <ModelsSection {...props} />
    </div>
  );
}
