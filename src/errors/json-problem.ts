import { shownValue } from './shown-value';

/**
 * What is wrong with a JSON text that JSON.parse refused, in words a person can act on, and where
 * (line and column, 1-based). Bun's own message ("JSON Parse error: Unexpected identifier") says
 * neither. Called only after JSON.parse failed, so its cost is no one's hot path; it scans once,
 * with an explicit stack (no recursion: a deeply nested text cannot overflow it).
 */
export function jsonProblem(text: string): string {
  const s = new Scan(text);
  return s.run() ?? 'it is not valid JSON.';
}

const LITERALS = ['true', 'false', 'null'];
const NUMBER = /-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/y;
const WORD = /[A-Za-z_$][\w$]*/y;

class Scan {
  private i = 0;
  /** Open arrays and objects, innermost last. */
  private readonly open: ('[' | '{')[] = [];
  constructor(private readonly text: string) {}

  private at(i: number): string {
    const before = this.text.slice(0, i);
    const line = before.split('\n').length;
    return `line ${line}, column ${i - before.lastIndexOf('\n')}`;
  }

  /** What is at `i`, in words. */
  private found(i: number): string {
    const c = this.text[i];
    if (c === undefined) return 'the end of the text';
    if (c === '"') return 'a string in double quotes';
    if (c === "'") return 'a single quote (JSON strings take double quotes)';
    WORD.lastIndex = i;
    const word = WORD.exec(this.text)?.[0];
    if (word) return `the bare word '${shownValue(word)}' (text goes in double quotes; the only bare words are true, false and null)`;
    return `'${shownValue(String.fromCodePoint(this.text.codePointAt(i)!))}'`;
  }

  private fail(expected: string, i = this.i): string {
    return `${this.at(i)}: expected ${expected}, found ${this.found(i)}.`;
  }

  private skipSpace(): void {
    while (this.i < this.text.length && ' \t\n\r'.includes(this.text[this.i]!)) this.i++;
  }

  /** Reads a string at this.i (a '"'); a problem in words, or undefined. */
  private string(): string | undefined {
    const start = this.i++;
    for (; this.i < this.text.length; this.i++) {
      const c = this.text[this.i]!;
      if (c === '"') return void this.i++;
      if (c === '\n') return `${this.at(this.i)}: a line break inside a string (write it as \\n), in the string that starts at ${this.at(start)}.`;
      if (c < ' ') return `${this.at(this.i)}: a control character inside a string (write it escaped, e.g. \\t).`;
      if (c === '\\') {
        const e = this.text[++this.i];
        if (e === 'u' ? !/^[0-9a-fA-F]{4}$/.test(this.text.slice(this.i + 1, this.i + 5)) : !e || !'"\\/bfnrt'.includes(e))
          return `${this.at(this.i - 1)}: '\\${e ?? ''}' is not an escape JSON knows (\\" \\\\ \\/ \\b \\f \\n \\r \\t or \\u and four hex digits).`;
        if (e === 'u') this.i += 4;
      }
    }
    return `${this.at(start)}: this string is never closed (no ending double quote).`;
  }

  /** Reads one value that is not an array or object opening; a problem, or undefined. */
  private scalar(expected: string): string | undefined {
    const c = this.text[this.i];
    if (c === '"') return this.string();
    WORD.lastIndex = this.i;
    const word = WORD.exec(this.text)?.[0];
    if (word && LITERALS.includes(word)) return void (this.i += word.length);
    NUMBER.lastIndex = this.i;
    const n = NUMBER.exec(this.text)?.[0];
    if (c && '-0123456789.+'.includes(c)) {
      const end = this.i + (n?.length ?? 0);
      if (n && !/[\d.eE+-]/.test(this.text[end] ?? '')) return void (this.i = end);
      const shown = shownValue(/^[\w.+-]*/.exec(this.text.slice(this.i, this.i + 100))![0]);
      return `${this.at(this.i)}: '${shown}' is not a number JSON takes (no leading + or 0, no bare '.', digits after a '.').`;
    }
    return this.fail(expected);
  }

  run(): string | undefined {
    this.skipSpace();
    if (this.i >= this.text.length) return 'it is empty: there is no JSON value.';
    let want: 'value' | 'firstValue' | 'key' | 'firstKey' | 'colon' | 'after' = 'value';
    for (;;) {
      this.skipSpace();
      const c = this.text[this.i];
      const inner = this.open.at(-1);
      if (want === 'after') {
        if (!inner) return c === undefined ? undefined : `${this.at(this.i)}: more text after the JSON value ended: ${this.found(this.i)}.`;
        const close = inner === '[' ? ']' : '}';
        if (c === ',') { this.i++; want = inner === '[' ? 'value' : 'key'; continue; }
        if (c === close) { this.i++; this.open.pop(); continue; }
        return this.fail(`',' or '${close}' after ${inner === '[' ? 'an item of the array' : 'a value in the object'}`);
      }
      if (want === 'colon') {
        if (c !== ':') return this.fail("':' after the property name");
        this.i++; want = 'value'; continue;
      }
      if (want === 'key' || want === 'firstKey') {
        if (c === '}' && want === 'firstKey') { this.i++; this.open.pop(); want = 'after'; continue; }
        if (c === '}') return `${this.at(this.i)}: a comma before '}' with no property after it (remove that last comma).`;
        if (c !== '"') return this.fail(want === 'firstKey' ? "a property name in double quotes, or '}'" : 'a property name in double quotes');
        const problem = this.string();
        if (problem) return problem;
        want = 'colon'; continue;
      }
      if (c === ']' && inner === '[') {
        if (want === 'value') return `${this.at(this.i)}: a comma before ']' with no item after it (remove that last comma).`;
        this.i++; this.open.pop(); want = 'after'; continue;
      }
      if (c === '[' || c === '{') { this.open.push(c); this.i++; want = c === '[' ? 'firstValue' : 'firstKey'; continue; }
      const problem = this.scalar(want === 'firstValue' ? "a value or ']'" : 'a value (a string in double quotes, a number, true, false, null, an array or an object)');
      if (problem) return problem;
      want = 'after';
    }
  }
}
