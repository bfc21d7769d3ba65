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
  key: 'Provider key',
  label: 'Label',
  weight: 'Weight',
  base_url: 'Base URL',
  api_key: 'API key',
} as const;

/** The Logs filters' labels, by the /api/logs param each is read as. */
export const LOG_FILTER_LABELS = {
  from: 'From',
  to: 'To',
  client_id: 'Client',
  provider: 'Provider',
  model: 'Model',
  endpoint: 'Endpoint',
  status: 'Status',
  request_id: 'Request id',
} as const;

/**
 * Other fields a refusal of one may name: a base URL with credentials in it says to set the key,
 * a From filter must be earlier than the To.
 */
const ALSO_NAMED: Record<string, string[]> = { base_url: ['api_key'], from: ['to'] };

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
    if (labels[name]) out = out.replace(new RegExp(`'${name}'${bare}`, 'g'), labels[name]);
  }
  return out.replace(/\bor null\b/g, 'or blank');
}
