/** A refusal's message in the dashboard form's words (dashboard/field-labels.ts inFormTerms). */
import { expect, test } from 'bun:test';
import { groupProblemInFormTerms, inFormTerms, withoutApiRoute } from '../../src/dashboard/field-labels';

test('the field the refusal names becomes its label, and null a blank field', () => {
  expect(inFormTerms("'rpm' must be a whole number from 1 to 1,000,000,000, or null for no limit.", 'rpm'))
    .toBe('Requests / min must be a whole number from 1 to 1,000,000,000, or blank for no limit.');
  expect(inFormTerms('base_url must use http or https.', 'base_url')).toBe('Base URL must use http or https.');
  // Both prices, whichever is missing; a label's `$` is text, not a replacement pattern; cached_input_price is another field.
  const unpriced = 'No price for openai/acme: give input_price and output_price (USD per 1M tokens); cached_input_price is optional.';
  for (const param of ['input_price', 'output_price']) {
    expect(inFormTerms(unpriced, param)).toBe('No price for openai/acme: give Input $/1M and Output $/1M (USD per 1M tokens); cached_input_price is optional.');
  }
});

test('names the user chose, and plain words, stay as they are', () => {
  // A team called 'models' refused for its name: only the field at fault is put in the form's words.
  expect(inFormTerms("A team named 'models' exists already.", 'name')).toBe("A team named 'models' exists already.");
  // "key" bare is a word, not the field.
  expect(inFormTerms("'key' is too short to be a provider key.", 'key')).toBe('Provider key is too short to be a provider key.');
  // A param the dashboard has no label for: unchanged.
  expect(inFormTerms("'context_window' must be set, or null.", 'context_window')).toBe("'context_window' must be set, or null.");
  expect(inFormTerms('Something went wrong.', null)).toBe('Something went wrong.');
});

test("a group check's setting is named by the Groups form's label; group and model names stay as typed", () => {
  expect(groupProblemInFormTerms('settings.scale_min and scale_max must be integers with scale_min < scale_max'))
    .toBe('Scale min and Scale max must be integers with Scale min < Scale max');
  expect(groupProblemInFormTerms('settings.classifier_model is required for the classifier strategy')).toBe('Classifier model is required for the classifier strategy');
  // Groups called like settings, in a message about something else: unchanged.
  expect(groupProblemInFormTerms('cycle: logic_level > timeout_ms > logic_level')).toBe('cycle: logic_level > timeout_ms > logic_level');
  expect(groupProblemInFormTerms("unknown target 'threshold': not a model id, provider/model or group")).toBe("unknown target 'threshold': not a model id, provider/model or group");
});

test("an API route hint becomes the page's way, by the refusal's code only", () => {
  expect(withoutApiRoute("'auto' is a seeded model group: the seed adds it back at every start. Change its targets instead (PUT /api/groups/auto).", 'group_seeded'))
    .toBe("'auto' is a seeded model group: the seed adds it back at every start. Change its targets instead with Edit on its card.");
  const other = "A model group named 'a' exists; use PUT /api/groups/a to change it.";
  expect(withoutApiRoute(other, 'some_other_code')).toBe(other);
  expect(withoutApiRoute(other, null)).toBe(other);
});
