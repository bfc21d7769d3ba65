/**
 * jsonProblem: what is wrong with a JSON text JSON.parse refused, and where, in words (a table of
 * cases; the HTTP tests, test/admin/group-text-bounds.test.ts and test/dashboard/groups-pages.test.ts,
 * show it in the API's and the dashboard's answers).
 */
import { expect, test } from 'bun:test';
import { jsonProblem } from '../../src/errors/json-problem';

const CASES: [string, string][] = [
  ['', 'it is empty: there is no JSON value.'],
  ['[1,2,]', "line 1, column 6: a comma before ']' with no item after it (remove that last comma)."],
  ['{"a": 1,\n}', "line 2, column 1: a comma before '}' with no property after it (remove that last comma)."],
  ["{'a': 1}", "line 1, column 2: expected a property name in double quotes, or '}', found a single quote (JSON strings take double quotes)."],
  ['{"a" 1}', "line 1, column 6: expected ':' after the property name, found '1'."],
  ['[{"a": 1} {"b": 2}]', "line 1, column 11: expected ',' or ']' after an item of the array, found '{'."],
  ['{"a": [1, 2}', "line 1, column 12: expected ',' or ']' after an item of the array, found '}'."],
  ['"abc', 'line 1, column 1: this string is never closed (no ending double quote).'],
  ['["a\nb"]', 'line 1, column 4: a line break inside a string (write it as \\n), in the string that starts at line 1, column 2.'],
  ['[01]', "line 1, column 2: '01' is not a number JSON takes (no leading + or 0, no bare '.', digits after a '.')."],
  ['[1] [2]', "line 1, column 5: more text after the JSON value ended: '['."],
  ['{"rules": undefined}', "line 1, column 11: expected a value (a string in double quotes, a number, true, false, null, an array or an object), found the bare word 'undefined' (text goes in double quotes; the only bare words are true, false and null)."],
];

test.each(CASES)('%j', (text, words) => {
  expect(() => JSON.parse(text)).toThrow();
  expect(jsonProblem(text)).toBe(words);
});

test('a text nested 100,000 levels deep is described without overflowing the stack', () => {
  const deep = `${'['.repeat(100_000)}x`;
  expect(jsonProblem(deep)).toStartWith("line 1, column 100001: expected a value or ']', found the bare word 'x'");
});
