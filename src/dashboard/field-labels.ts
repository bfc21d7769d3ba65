/**
 * The label a dashboard form shows for a field, by the field's name (the /api param it is sent
 * as). The forms render these, and a refusal's message is put in their terms with them.
 */
export const FIELD_LABELS = {
  models: 'Allowed models',
  budget_usd: 'Budget (USD)',
  budget_period: 'Per',
  rpm: 'Requests / min',
  tpm: 'Tokens / min',
  max_parallel: 'In flight at once',
  expires_at: 'Expires (UTC)',
  team_id: 'Team',
  /** The dashboard's team picker: a team's name (the API takes its id, team_id). */
  team: 'Team',
  key: 'Provider key',
  label: 'Label',
  weight: 'Weight',
  base_url: 'Base URL',
  api_key: 'API key',
  input_price: 'Input $/1M',
  output_price: 'Output $/1M',
  /** The Models page's "Add model" form (the API's `id` and `upstream_id`). */
  id: 'Model id',
  upstream_id: 'Upstream id',
  /** The Model groups form (the other group settings are named by GROUP_FIELD_LABELS). */
  primary_use: 'Primary use',
} as const;

/** The Logs filters' labels, by the /api/logs param each is read as. */
export const LOG_FILTER_LABELS = {
  // The zone in the label, as Expires (UTC): a datetime-local picker offers the reader's own
  // clock (its "now" is local), and the filter reads the time as UTC.
  from: 'From (UTC)',
  to: 'To (UTC)',
  client_id: 'Client',
  team: 'Team',
  provider: 'Provider',
  model: 'Model',
  endpoint: 'Endpoint',
  status: 'Status',
  request_id: 'Request id',
} as const;

/**
 * A group's settings as the Groups form labels them, by the name a group check's message uses
 * (routing/validate-groups.ts: `logic_level`, `settings.threshold`).
 */
export const GROUP_FIELD_LABELS = {
  logic_level: 'Logic level',
  classifier_model: 'Classifier model',
  scale_min: 'Scale min',
  scale_max: 'Scale max',
  threshold: 'Threshold',
  timeout_ms: 'Timeout (ms)',
} as const;

/**
 * A refusal's pointer to the API route that would do it instead, by the refusal's code, and what
 * the page offers for it: in the dashboard an admin edits a group or model where it is listed.
 */
const API_ROUTE_HINTS: Record<string, [RegExp, string]> = {
  group_exists: [/; use PUT \/api\/groups\/\S+ to change it\.$/, '; change it with Edit on its card, or choose another name.'],
  group_seeded: [/ \(PUT \/api\/groups\/\S+\)\.$/, ' with Edit on its card.'],
  model_exists: [/; use PATCH \/api\/models\/\S+ to change it\.$/, '; change it in its row of the list, or choose another id.'],
};

/** A refusal's message without its API route hint, the page's way named instead (API_ROUTE_HINTS). */
export function withoutApiRoute(message: string, code: string | null | undefined): string {
  const hint = code ? API_ROUTE_HINTS[code] : undefined;
  return hint ? message.replace(hint[0], hint[1]) : message;
}

/**
 * One problem of a group check about a setting ("logic_level must be an integer from 1 to 10",
 * "settings.classifier_model is required …") with the Groups form's labels for the settings it
 * names. Only a message that starts with a setting's name is about one: the others (a cycle, a
 * depth, an unknown target) name groups and models, which stay as typed, underscores and all.
 */
export function groupProblemInFormTerms(message: string): string {
  const names = Object.keys(GROUP_FIELD_LABELS).join('|');
  if (!new RegExp(`^(?:settings\\.)?(?:${names})\\b`).test(message)) return message;
  return message.replace(new RegExp(`(?:settings\\.)?\\b(${names})\\b`, 'g'), (_m, name: keyof typeof GROUP_FIELD_LABELS) => GROUP_FIELD_LABELS[name]);
}

/**
 * Other fields a refusal of one may name: a base URL with credentials in it says to set the key,
 * a From filter must be earlier than the To, a model nobody prices needs both its prices.
 */
const ALSO_NAMED: Record<string, string[]> = { base_url: ['api_key'], from: ['to'], input_price: ['output_price'], output_price: ['input_price'] };

/**
 * A service's refusal, written for the JSON API ("'expires_at' must be …, or null."), in the words
 * of the form the user filled in ("Expires (UTC) must be …, or blank."): the field the refusal is
 * about (`param`), quoted (or bare, a name with an underscore), becomes the form's label for it, and JSON's null a field left
 * blank. Only that field's name is replaced, so a name the user chose (a team called 'models')
 * stays as typed. The API's own messages are not changed.
 */
export function inFormTerms(message: string, param: string | null, labels: Record<string, string> = FIELD_LABELS): string {
  if (param === null || !(param in labels)) return message;
  let out = message;
  for (const name of [param, ...(ALSO_NAMED[param] ?? [])]) {
    // Bare only when it reads as an API name (base_url): "key" or "label" bare are plain words.
    const bare = name.includes('_') ? `|(?<![\\w'/-])${name}(?![\\w'/-])` : '';
    // A function, so a label's `$` ('Input $/1M') is not read as a replacement pattern.
    if (labels[name]) out = out.replace(new RegExp(`'${name}'${bare}`, 'g'), () => labels[name]);
  }
  return out.replace(/\bor null\b/g, 'or blank');
}
