/** An upstream's HTML error page told in its words (providers/html-error-text.ts): pure. */
import { expect, test } from 'bun:test';
import { htmlErrorText } from '../../src/providers/html-error-text';

test('the words of a page; its style, script and comments left out, entities read; a page cut inside its style sheet; not a page: null', () => {
  expect(htmlErrorText('<html><head><style>p{color:red}</style><script>x()</script></head><body><!-- n --><h1>502 Bad&nbsp;Gateway</h1><p>nginx &amp; co &#8217;s</p></body></html>')).toBe('502 Bad Gateway nginx & co ’s');
  expect(htmlErrorText('<!DOCTYPE html>\n<title>Error 503 (Service Unavailable)!!1</title><style>*{margin:0')).toBe('Error 503 (Service Unavailable)!!1');
  expect(htmlErrorText('<html><style>*{margin:0}</style></html>')).toBeNull();
  expect(htmlErrorText('upstream broke')).toBeNull();
  expect(htmlErrorText('{"error":"<html>"}')).toBeNull();
});
