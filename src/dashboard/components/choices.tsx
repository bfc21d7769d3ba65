/** @jsxImportSource #html */
import { SECURITY_HEADERS } from '../security-headers';

/**
 * Pickers over lists too long to render (thousands of teams or keys): a text input with a
 * `list` of suggestions instead of a <select> of every row. One <datalist> per page holds the
 * first CHOICES_SHOWN names; web/choices.js refills it as the person types, from a small JSON
 * endpoint (`?q=` prefix match). Without JavaScript the input still takes a typed name, which
 * the route resolves (admin/name-lookups.ts). Chromium and Firefox expose the input as a combobox
 * and the suggestions as its listbox, so the keyboard (arrows, Enter) and screen readers work.
 */

/** Suggestions a picker shows at a time. */
export const CHOICES_SHOWN = 20;

export interface Choice {
  /** What picking it puts in the input (and what the form sends). */
  value: string;
  /** Shown beside the value, e.g. `revoked`. */
  label?: string;
}

/** The page's one list of suggestions; `url` answers `?q=` with `{data: Choice[]}`. */
export function ChoiceList(props: { id: string; url: string; choices: Choice[] }) {
  return (
    <datalist id={props.id} data-choices={props.url}>
      {props.choices.map((c) => (c.label ? <option value={c.value} label={c.label}></option> : <option value={c.value}></option>))}
    </datalist>
  );
}

/** `name (#id)`: what the Logs client filter shows and a chosen suggestion puts in it (names need not be unique). */
export const clientChoiceValue = (c: { id: number; name: string }) => `${c.name} (#${c.id})`;

export const teamChoiceList = (teams: { id: number; name: string }[]): Choice[] => teams.map((t) => ({ value: t.name }));
export const clientChoiceList = (keys: { id: number; name: string; revoked: boolean }[]): Choice[] =>
  keys.map((c) => (c.revoked ? { value: clientChoiceValue(c), label: 'revoked' } : { value: clientChoiceValue(c) }));

/** The one datalist of the team pickers on a page. */
export const TEAM_CHOICES = 'team-choices';
/** The one datalist of the Logs page's client filter. */
export const CLIENT_CHOICES = 'client-choices';

/** A suggestions endpoint's `?q=`: the start of a name, at most as long as a name (100). */
export const choicePrefix = (q: unknown): string => (typeof q === 'string' ? q.slice(0, 100) : '');

/** A suggestions endpoint's answer: `{data: Choice[]}`, never cached (names change). */
export const choicesResponse = (choices: Choice[]): Response =>
  Response.json({ data: choices }, { headers: { 'cache-control': 'no-store', ...SECURITY_HEADERS } });
