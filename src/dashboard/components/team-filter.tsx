/** @jsxImportSource #html */
import { ChoiceList, TEAM_CHOICES, teamChoiceList } from './choices';
import type { fieldRefusal } from './ui';
import { FIELD_LABELS } from '../field-labels';

/**
 * The Team filter of the Logs and Usage pages: a team's name, typed or picked from the
 * suggestions (as a key's team is), sent as `team`; the route reads it with teamFilter
 * (dashboard/team-filter.ts) and a name that is no team is refused under it. `id`: the input's
 * (htmx gives the focus back to it after the page reloads for a change).
 */
export function TeamFilterField(props: {
  id: string;
  value: string;
  teams: { id: number; name: string }[];
  /** The field's tooltip: what the page then shows. */
  title: string;
  refusal: ReturnType<typeof fieldRefusal>;
}) {
  const { mark, under } = props.refusal;
  return (
    <label>{FIELD_LABELS.team}
      <input id={props.id} name="team" list={TEAM_CHOICES} value={props.value} dir="auto" placeholder="any" maxlength="200" autocomplete="off"
        title={props.title} {...mark('team')} />
      {under('team')}
      <ChoiceList id={TEAM_CHOICES} url="/teams/choices" choices={teamChoiceList(props.teams)} />
    </label>
  );
}
