/**
 * Whether a regex has two unbounded repeats in a row that can trade characters (`.*x.*y`,
 * `[a-z]+[a-z]+1`, `a.*b.*c`): when the rest fails to match, the engine tries every split of the
 * text between them, from every start, so the work grows as the cube of the text (or worse, one
 * power per further repeat). On the 4 KB a rule reads, `.*x.*y` took 18 s of the single event
 * loop and `.*a.*b.*c` minutes. The companion of nestsRepetition (`(a+)+`) and
 * repeatsOverlappingChoice (`(a|aa)*`), which catch the exponential kinds.
 *
 * Two repeats trade when the second's characters overlap the first's and everything between them
 * could be taken by the first (`.` takes the `x` of `.*x.*`; `\d` cannot take the `.` of
 * `\d+\.\d+`, which passes). A last repeat with nothing required after it (`.*foo.*`) never gives
 * characters back, so it passes too. Groups and back references count as taking anything (the
 * safe side); character sets are compared on a sample of characters.
 */

interface Item {
  /** A one-character pattern of the atom; null for a group or back reference (anything). */
  atom: string | null;
  /** A literal's own character (compared besides the sample: an emoji is not in it). */
  char?: string;
  /** Matches no character (`^`, `\b`, a lookaround). */
  zeroWidth: boolean;
  min: number;
  unbounded: boolean;
  /** A group's branches (checked on their own). */
  inner?: Item[][];
}

/** Characters two atoms are compared on: ASCII, Latin, a few spaces and one CJK letter. */
const SAMPLE = [...Array.from({ length: 0x250 }, (_, c) => String.fromCharCode(c)), '\u2028', '\u3000', '\ufeff', '中'];

export function repeatsTradeCharacters(pattern: string, flags = ''): boolean {
  const f = flags.replace(/[gyd]/g, '');
  const cache = new Map<string, RegExp | null>();
  const re = (atom: string) => {
    if (!cache.has(atom)) {
      let r: RegExp | null;
      try {
        r = new RegExp(`^(?:${atom})$`, f);
      } catch {
        r = null;
      }
      cache.set(atom, r);
    }
    return cache.get(atom)!;
  };
  const overlap = (a: Item, b: Item) => {
    if (a.atom === null || b.atom === null) return true;
    const [ra, rb] = [re(a.atom), re(b.atom)];
    return !ra || !rb || [...SAMPLE, a.char ?? '', b.char ?? ''].some((c) => c !== '' && ra.test(c) && rb.test(c));
  };
  const hazard = (branch: Item[], nested: boolean): boolean => {
    for (const [i, first] of branch.entries()) {
      if (first.inner?.some((b) => hazard(b, true))) return true;
      if (!first.unbounded || first.zeroWidth) continue;
      for (let j = i + 1; j < branch.length; j++) {
        const next = branch[j]!;
        if (next.unbounded && !next.zeroWidth && overlap(first, next)) {
          // Inside a group what follows the group is not seen here: assume it can fail.
          if (nested || branch.slice(j + 1).some((x) => x.zeroWidth || x.min > 0)) return true;
        }
        if (!(next.zeroWidth || next.min === 0 || overlap(first, next))) break;
      }
    }
    return false;
  };
  try {
    return parse(pattern).some((b) => hazard(b, false));
  } catch {
    return false; // an invalid pattern is refused for that, and never runs
  }
}

/** The pattern's top-level branches, each a list of quantified atoms. */
function parse(p: string): Item[][] {
  let i = 0;
  const branches = (): Item[][] => {
    const out: Item[][] = [[]];
    while (i < p.length && p[i] !== ')') {
      if (p[i] === '|') {
        out.push([]);
        i++;
        continue;
      }
      const item = atom();
      quantify(item);
      out.at(-1)!.push(item);
    }
    return out;
  };
  const atom = (): Item => {
    const start = i;
    const ch = p[i]!;
    const one = (atom: string | null, zeroWidth = false): Item => ({ atom, zeroWidth, min: 1, unbounded: false });
    if (ch === '\\') {
      const e = p[i + 1] ?? '';
      if (e === 'b' || e === 'B') return (i += 2), one(null, true);
      const backReference = /^\\(\d+|k<[^>]*>)/.exec(p.slice(i));
      if (backReference && backReference[0] !== '\\0') return (i += backReference[0].length), one(null);
      const m = /^\\([pP]\{[^}]*\}|x[0-9a-fA-F]{2}|u\{[0-9a-fA-F]+\}|u[0-9a-fA-F]{4}|c[A-Za-z]|[\s\S])/.exec(p.slice(i))!;
      i += m[0].length;
      return one(p.slice(start, i));
    }
    if (ch === '[') {
      i++;
      if (p[i] === '^') i++;
      while (i < p.length && p[i] !== ']') i += p[i] === '\\' ? 2 : 1;
      i++;
      return one(p.slice(start, i));
    }
    if (ch === '(') {
      i++;
      const look = /^\?(<?[=!])/.test(p.slice(i));
      const named = p[i] === '?' && p[i + 1] === '<' && p[i + 2] !== '=' && p[i + 2] !== '!';
      if (named && !p.includes('>', i)) throw new SyntaxError('unterminated group name');
      if (p[i] === '?') i = named ? p.indexOf('>', i) + 1 : i + (look && p[i + 1] === '<' ? 3 : 2);
      const inner = branches();
      i++; // the ')'
      return look ? one(null, true) : { ...one(null), inner };
    }
    i++;
    if (ch === '^' || ch === '$') return one(null, true);
    if (ch === '.') return one('.');
    // A surrogate pair is one character.
    if (/[\ud800-\udbff]/.test(ch) && /[\udc00-\udfff]/.test(p[i] ?? '')) i++;
    const char = p.slice(start, i);
    return { ...one(char.replace(/[*+?{}()|[\]\\/^$.]/g, '\\$&')), char };
  };
  const quantify = (item: Item) => {
    const m = /^(?:([*+?])|\{(\d+)(,(\d*))?\})\??/.exec(p.slice(i));
    if (!m) return;
    i += m[0].length;
    if (m[1]) {
      item.min = m[1] === '+' ? item.min : 0;
      item.unbounded = m[1] !== '?';
    } else {
      item.min = Number(m[2]) === 0 ? 0 : item.min;
      item.unbounded = m[3] !== undefined && m[4] === '';
    }
  };
  return branches();
}
