/** @jsxImportSource #html */
import { GROUP_NAME_MAX_CHARS, PRIMARY_USE_MAX_CHARS } from '../../admin/groups-service';
import { domIdPart } from '../dom-id';
import { Card, DECIMAL_FIELD, fieldRefusal, FormErrors, postTo } from '../components/ui';
import { EmptyState, PageHeader } from '../components/layout';

/** A group as the form edits it: every field a string, exactly as typed. */
export interface GroupFormValues {
  name: string;
  strategy: 'heuristic' | 'classifier';
  /** A strategy sent that is neither (not from the form's select): refused, not read as heuristic. */
  unknownStrategy?: string;
  /** One target per line, in order (weakest/fastest first). */
  targets: string;
  logicLevel: string;
  primaryUse: string;
  classifierModel: string;
  scaleMin: string;
  scaleMax: string;
  threshold: string;
  timeoutMs: string;
  /** Heuristic rules as JSON; blank means the built-in defaults. */
  rules: string;
}

export interface GroupCard {
  name: string;
  strategy: 'heuristic' | 'classifier';
  targets: string[];
  logicLevel: number | null;
  primaryUse: string;
  form: GroupFormValues;
  /** Seeded at every start: it cannot be deleted (the seed would add it back), only edited. */
  seeded: boolean;
}

export interface RouteTry {
  ok: boolean;
  /** `dispatcher > heavy-logic > deepseek-v4-pro` */
  path?: string;
  targets?: string[];
  reason?: string;
  error?: string;
}


/** The fields of a group's form: a refusal that names one (its `param`) is shown under it. */
const GROUP_FIELDS = ['name', 'strategy', 'logic_level', 'primary_use', 'targets', 'classifier_model', 'scale_min', 'scale_max', 'threshold', 'timeout_ms', 'rules'];

/**
 * `param`: the field a refusal is about. Its message goes under that field, which is marked
 * (aria-invalid, described by the message) and takes the focus (htmx focuses [autofocus] in what
 * it swaps in), as the other forms' refusals are placed by web/swap-focus.js; a refusal about no
 * one field (the list of a group set's problems) stays at the form's top.
 */
export function GroupForm(props: { v: GroupFormValues; isNew: boolean; errors?: string[]; param?: string | null }) {
  const { v, isNew } = props;
  const id = isNew ? 'group_new' : `group_form-${domIdPart(v.name)}`;
  const action = isNew ? '/groups' : `/groups/${encodeURIComponent(v.name)}`;
  const { mark, under: message, top } = fieldRefusal({ errors: props.errors, param: props.param, fields: GROUP_FIELDS, id: `${id}-errors`, focus: true });
  return (
    <form class="group-form" id={id} {...postTo(action)} hx-target={isNew ? '#group_new-box' : `#group-${domIdPart(v.name)}`} hx-swap="outerHTML" x-data="groupForm">
      {top}
      <div class="form-grid">
        <label>Name
          {isNew ? <input name="name" value={v.name} required maxlength={String(GROUP_NAME_MAX_CHARS)} pattern="[A-Za-z0-9][A-Za-z0-9._:\-]*" title="a letter or digit first, then letters, digits, . _ : -" {...mark('name')} /> : <input name="name" value={v.name} readonly />}
          {message('name')}
        </label>
        <label>Strategy
          <select name="strategy" x-model="strategy" {...mark('strategy')}>
            <option value="heuristic" selected={v.strategy === 'heuristic'}>heuristic (rules)</option>
            <option value="classifier" selected={v.strategy === 'classifier'}>classifier (a model rates the prompt)</option>
          </select>
          {message('strategy')}
        </label>
        <label>Logic level
          <input name="logic_level" type="number" min="0" max="10" value={v.logicLevel} placeholder="—" {...mark('logic_level')} />
          {message('logic_level')}
        </label>
        <label class="span-2">Primary use
          <input name="primary_use" value={v.primaryUse} maxlength={String(PRIMARY_USE_MAX_CHARS)} {...mark('primary_use')} />
          {message('primary_use')}
        </label>
        <label class="span-3">Targets, in order (one per line: model id, provider/model, or group name; weakest first)
          <textarea name="targets" rows="4" required safe {...mark('targets')}>{v.targets}</textarea>
          {message('targets')}
        </label>
      </div>
      <fieldset class="form-grid" x-show="strategy === 'classifier'">
        <legend>Classifier settings</legend>
        <label>Classifier model<input name="classifier_model" value={v.classifierModel} placeholder="openai/gpt-5.4-nano" x-bind:required="strategy === 'classifier'" {...mark('classifier_model')} />{message('classifier_model')}</label>
        <label>Scale min<input name="scale_min" type="number" step="1" value={v.scaleMin} placeholder="1" {...mark('scale_min')} />{message('scale_min')}</label>
        <label>Scale max<input name="scale_max" type="number" step="1" value={v.scaleMax} placeholder="10" {...mark('scale_max')} />{message('scale_max')}</label>
        <label title="A score at or above this always goes to the last (strongest) target">Threshold<input name="threshold" {...DECIMAL_FIELD} value={v.threshold} placeholder="none" {...mark('threshold')} />{message('threshold')}</label>
        <label>Timeout (ms)<input name="timeout_ms" type="number" min="1" step="1" value={v.timeoutMs} placeholder="3000" {...mark('timeout_ms')} />{message('timeout_ms')}</label>
        <p class="muted small span-3">The classifier model rates each prompt on the scale; the scale is split evenly over the targets in order. Past the timeout, the heuristic rules decide.</p>
      </fieldset>
      <label class="block">Heuristic rules (JSON array; blank uses the built-in defaults)
        <textarea name="rules" rows="5" class="mono" placeholder='[{"name":"coding","kind":"keywords","words":["debug*"],"weight":1}]' safe {...mark('rules')}>{v.rules}</textarea>
        {message('rules')}
      </label>
      <div class="form-actions">
        <button type="submit" class="btn primary">{isNew ? 'Create group' : 'Save changes'}</button>
      </div>
    </form>
  );
}

export function GroupCardView(props: { g: GroupCard; admin: boolean; errors?: string[]; param?: string | null; saved?: boolean; deleteErrors?: string[] }) {
  const { g, admin } = props;
  const cardId = `group-${domIdPart(g.name)}`;
  return (
    <Card class="group" id={cardId}>
      <div class="provider-head">
        <div>
          <h2 class="card-title" safe>{g.name}</h2>
          <p class="muted small" safe>{g.primaryUse}</p>
        </div>
        <div class="badges">
          <span class="badge info" safe>{g.strategy}</span>
          {g.logicLevel != null ? <span class="badge muted">{`logic ${g.logicLevel}`}</span> : ''}
        </div>
      </div>
      <ol class="targets">
        {g.targets.map((t) => <li><code safe>{t}</code></li>)}
      </ol>
      {props.saved ? <p class="saved" role="status">Saved.</p> : ''}
      {props.deleteErrors?.length ? <div class="delete-errors"><FormErrors errors={props.deleteErrors} /></div> : ''}
      {admin ? (
        <div class="group-foot">
          <details open={!!props.errors?.length}>
            <summary>Edit</summary>
            <GroupForm v={g.form} isNew={false} errors={props.errors} param={props.param} />
          </details>
          {g.seeded ? '' : (
            <button type="button" class="btn small danger" hx-post={`/groups/${encodeURIComponent(g.name)}/delete`} hx-target={`#${cardId}`} hx-swap="outerHTML"
              hx-confirm={`Delete the group ${g.name}? Clients that use it as a model will get 404.`}>Delete</button>
          )}
        </div>
      ) : ''}
    </Card>
  );
}

/**
 * What replaces a deleted group's card, under the card's id: web/swap-focus.js gives it the focus
 * (without an id the focus, on the Delete button gone with the card, fell to the page's start).
 */
export function GroupDeletedNote(props: { name: string }) {
  return (
    <Card class="group deleted" id={`group-${domIdPart(props.name)}`}>
      <p class="saved" role="status">Deleted <strong safe>{props.name}</strong>.</p>
    </Card>
  );
}

export function NewGroupBox(props: { v: GroupFormValues; errors?: string[]; param?: string | null; created?: string }) {
  return (
    <Card id="group_new-box" title="New group">
      {props.created ? <p class="saved" role="status">Created <strong safe>{props.created}</strong>; its card is in the list below.</p> : ''}
      <details open={!!props.errors?.length}>
        <summary>Create a group</summary>
        <GroupForm v={props.v} isNew errors={props.errors} param={props.param} />
      </details>
    </Card>
  );
}

export function RouteTryResult(props: { r: RouteTry }) {
  const { r } = props;
  if (!r.ok) return <div class="try-result err" role="alert" safe>{r.error ?? 'No route'}</div>;
  return (
    <div class="try-result" role="status">
      <div><strong>Route:</strong> <code safe>{r.path ?? ''}</code></div>
      {r.reason ? <div><strong>Why:</strong> <span safe>{r.reason}</span></div> : ''}
      {r.targets?.length ? <div><strong>Order tried:</strong> {r.targets.map((t) => <code safe>{t}</code>).join(' → ')}</div> : ''}
    </div>
  );
}

function TryBox(props: { groups: string[] }) {
  return (
    <Card title="Try routing" id="try-routing">
      <form hx-get="/groups/try" hx-target="#try-result" class="try-form">
        <label>Model or group
          <input name="model" list="group-names" value={props.groups[0] ?? ''} required />
          <GroupNames groups={props.groups} />
        </label>
        <label class="grow">Sample prompt
          <textarea name="prompt" rows="3" required placeholder="Refactor this function to avoid the race condition…"></textarea>
        </label>
        <button type="submit" class="btn">Show decision</button>
      </form>
      <div id="try-result" aria-live="polite"></div>
    </Card>
  );
}

/** The Try box's suggestions; `oob` when a created group's answer brings them up to date. */
function GroupNames(props: { groups: string[]; oob?: boolean }) {
  return <datalist id="group-names" hx-swap-oob={props.oob ? 'true' : undefined}>{props.groups.map((g) => <option value={g} />)}</datalist>;
}

/** Every group's card; `oob` when a created group's answer replaces the list (the card in its place by name). */
function GroupList(props: { groups: GroupCard[]; admin: boolean; oob?: boolean }) {
  return (
    <div id="group-list" hx-swap-oob={props.oob ? 'true' : undefined}>
      {props.groups.length === 0 ? (
        <EmptyState title="No groups yet">{props.admin ? 'Create one above.' : 'An admin can create groups here.'}</EmptyState>
      ) : (
        <div class="grid-2 group-grid">{props.groups.map((g) => <GroupCardView g={g} admin={props.admin} />)}</div>
      )}
    </div>
  );
}

/** The answer to a group created on the page: the emptied New group form, the list with its card, the Try box's names. */
export function GroupCreated(props: { name: string; groups: GroupCard[]; blank: GroupFormValues }) {
  return (
    <>
      <NewGroupBox v={props.blank} created={props.name} />
      <GroupList groups={props.groups} admin oob />
      <GroupNames groups={props.groups.map((g) => g.name)} oob />
    </>
  );
}

export function GroupsView(props: { groups: GroupCard[]; admin: boolean; blank: GroupFormValues }) {
  return (
    <div class="page" data-page="groups">
      <PageHeader title="Model groups" subtitle="Names clients can use as a model; each picks a target by rules or by a classifier, and falls back down the list." />
      <TryBox groups={props.groups.map((g) => g.name)} />
      {props.admin ? <NewGroupBox v={props.blank} /> : ''}
      <GroupList groups={props.groups} admin={props.admin} />
    </div>
  );
}
