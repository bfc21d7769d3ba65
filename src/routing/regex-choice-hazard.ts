/**
 * Whether a regex repeats a choice whose branches may start alike (`(a|a)*`, `(a|aa)+`,
 * `(\\w|\\d)*`): each character then matches more than one branch, so a prompt that almost matches
 * makes the engine try every way to split it, 2^n of them (28 characters: half a second; 40:
 * half an hour of the single event loop). The companion of nestsRepetition (heuristic-strategy.ts),
 * which catches `(a+)+`. A rough, safe-side check of the pattern's text: a branch starting with
 * anything but a plain character (a class, `.`, an escape such as `\\w`, a group, an anchor, an
 * optional character) or with nothing may start like another, and so does one starting with the
 * same character (any case); `(foo|bar)+` and `(a|b)*` pass. A choice of single characters is
 * better written as a class (`[\\s,]+`).
 */
export function repeatsOverlappingChoice(pattern: string): boolean {
  // Per open group: the first atom of each branch seen so far (a character, or ANY).
  const groups: string[][] = [];
  let atBranchStart = false;
  let i = 0;
  const repeatAt = (j: number) => pattern[j] === '*' || pattern[j] === '+' || (pattern[j] === '{' && /^\{\d*,\d*\}/.test(pattern.slice(j)));
  const optionalAt = (j: number) => pattern[j] === '?' || pattern[j] === '*' || (pattern[j] === '{' && /^\{0[,}]/.test(pattern.slice(j)));
  const first = (key: string, next: number) => {
    if (!atBranchStart) return;
    groups.at(-1)?.push(optionalAt(next) ? ANY : key);
    atBranchStart = false;
  };
  while (i < pattern.length) {
    const ch = pattern[i]!;
    if (ch === '\\') {
      const e = pattern[i + 1] ?? '';
      first(/[A-Za-z0-9]/.test(e) ? ANY : e.toLowerCase(), i + 2);
      i += 2;
    } else if (ch === '[') {
      i++;
      while (i < pattern.length && pattern[i] !== ']') i += pattern[i] === '\\' ? 2 : 1;
      i++;
      first(ANY, i);
    } else if (ch === '(') {
      first(ANY, i); // a group first in a branch: what it starts with is not read here
      groups.push([]);
      atBranchStart = true;
      i++;
      if (pattern[i] === '?') i = afterGroupPrefix(pattern, i);
    } else if (ch === '|') {
      if (atBranchStart) groups.at(-1)?.push(ANY); // an empty branch
      atBranchStart = groups.length > 0;
      i++;
    } else if (ch === ')') {
      const branches = groups.pop() ?? [];
      if (atBranchStart) branches.push(ANY);
      atBranchStart = false;
      i++;
      if (branches.length > 1 && repeatAt(i) && mayStartAlike(branches)) return true;
    } else {
      first('.^$'.includes(ch) ? ANY : ch.toLowerCase(), i + 1);
      i++;
    }
  }
  return false;
}

const ANY = '\u0000any';

/** Past `?:`, `?=`, `?!`, `?<=`, `?<!` or `?<name>` at `i` (the `?`). */
function afterGroupPrefix(pattern: string, i: number): number {
  if (pattern[i + 1] !== '<') return i + 2;
  if (pattern[i + 2] === '=' || pattern[i + 2] === '!') return i + 3;
  const end = pattern.indexOf('>', i);
  return end < 0 ? pattern.length : end + 1;
}

function mayStartAlike(branches: string[]): boolean {
  return branches.includes(ANY) || new Set(branches).size < branches.length;
}
