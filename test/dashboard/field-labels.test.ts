/** A refusal's message in the dashboard form's words (dashboard/field-labels.ts inFormTerms). */
import { expect, test } from 'bun:test';
import { inFormTerms } from '../../src/dashboard/field-labels';

test('the field the refusal names becomes its label, and null a blank field', () => {
  expect(inFormTerms("'rpm' must be a whole number from 1 to 1,000,000,000, or null for no limit.", 'rpm'))
    .toBe('Requests / min must be a whole number from 1 to 1,000,000,000, or blank for no limit.');
  expect(inFormTerms('base_url must use http or https.', 'base_url')).toBe('Base URL must use http or https.');
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
