import type { GroupInput, GroupView } from '../admin/groups-service';
import { SEEDED_GROUP_NAMES } from '../db/seed/model-groups';
import { badRequest } from '../errors/api-error';
import { jsonProblem } from '../errors/json-problem';
import { formNumber, formValue } from './form-number';
import { prototypeKeyPath } from '../security/prototype-keys';
import type { GroupCard, GroupFormValues } from './pages/groups-view';

/** The settings keys the form edits; any others a group carries are kept as they are. */
const CLASSIFIER_KEYS = ['classifier_model', 'scale_min', 'scale_max', 'threshold', 'timeout_ms'] as const;
const FORM_NAMES: Record<(typeof CLASSIFIER_KEYS)[number], 'classifierModel' | 'scaleMin' | 'scaleMax' | 'threshold' | 'timeoutMs'> = {
  classifier_model: 'classifierModel', scale_min: 'scaleMin', scale_max: 'scaleMax', threshold: 'threshold', timeout_ms: 'timeoutMs',
};

const str = (v: unknown) => (v === undefined || v === null ? '' : typeof v === 'number' ? formValue(v) : String(v));

export const BLANK_GROUP: GroupFormValues = {
  name: '', strategy: 'heuristic', targets: '', logicLevel: '', primaryUse: '',
  classifierModel: '', scaleMin: '1', scaleMax: '10', threshold: '', timeoutMs: '3000', rules: '',
};

export function formValuesOf(g: GroupView): GroupFormValues {
  const s = g.settings ?? {};
  return {
    name: g.name, strategy: g.strategy, targets: g.targets.join('\n'), logicLevel: str(g.logic_level), primaryUse: g.primary_use,
    classifierModel: str(s.classifier_model), scaleMin: str(s.scale_min), scaleMax: str(s.scale_max),
    threshold: str(s.threshold), timeoutMs: str(s.timeout_ms),
    rules: s.rules === undefined ? '' : JSON.stringify(s.rules, null, 2),
  };
}

export const cardOf = (g: GroupView): GroupCard => ({
  name: g.name, strategy: g.strategy, targets: g.targets, logicLevel: g.logic_level, primaryUse: g.primary_use, form: formValuesOf(g),
  seeded: SEEDED_GROUP_NAMES.includes(g.name),
});

/** Form fields as posted (strings), before any interpretation. */
export function readGroupForm(get: (name: string) => string): GroupFormValues {
  const sent = get('strategy');
  const strategy = sent === 'classifier' ? 'classifier' : 'heuristic';
  return {
    ...(sent === 'heuristic' || sent === 'classifier' ? {} : { unknownStrategy: sent }),
    name: get('name'), strategy, targets: get('targets'), logicLevel: get('logic_level'), primaryUse: get('primary_use'),
    classifierModel: get('classifier_model'), scaleMin: get('scale_min'), scaleMax: get('scale_max'),
    threshold: get('threshold'), timeoutMs: get('timeout_ms'), rules: get('rules'),
  };
}

function num(v: string, label: string, param: string): number | undefined {
  return formNumber(v, { label, param }) ?? undefined;
}

/**
 * Routing silently falls back to defaults on settings it cannot use (src/routing/bucket-map.ts);
 * the form says so instead, so what the admin saves is what routing does.
 */
function checkClassifierNumbers(s: Record<string, unknown>): void {
  const min = s.scale_min ?? 1;
  const max = s.scale_max ?? 10;
  if (!Number.isInteger(min) || !Number.isInteger(max)) throw badRequest('Scale min and max must be whole numbers.', 'scale_min');
  if ((max as number) <= (min as number)) throw badRequest('Scale max must be greater than scale min.', 'scale_max');
  const timeout = s.timeout_ms;
  if (timeout !== undefined && !(Number.isInteger(timeout) && (timeout as number) > 0))
    throw badRequest('Timeout must be a whole number of milliseconds above 0.', 'timeout_ms');
}

/**
 * Form values -> the service's GroupInput. Only syntax is checked here (numbers, JSON); targets,
 * cycles, depth and rule shapes are validated by the groups service against the whole set.
 */
export function groupInputOf(v: GroupFormValues, existing: Record<string, unknown> = {}): GroupInput {
  if (v.unknownStrategy !== undefined) {
    throw badRequest(`Strategy must be heuristic or classifier, not '${v.unknownStrategy.slice(0, 40)}'.`, 'strategy');
  }
  const settings: Record<string, unknown> = { ...existing };
  for (const k of CLASSIFIER_KEYS) delete settings[k];
  delete settings.rules;
  if (v.strategy === 'classifier') {
    if (!v.classifierModel) throw badRequest('A classifier group needs a classifier model (provider/model or a model id).', 'classifier_model');
    settings.classifier_model = v.classifierModel;
    for (const k of ['scale_min', 'scale_max', 'threshold', 'timeout_ms'] as const) {
      const n = num(v[FORM_NAMES[k]], k.replace('_', ' '), k);
      if (n !== undefined) settings[k] = n;
    }
    checkClassifierNumbers(settings);
  }
  if (v.rules.trim()) {
    try {
      settings.rules = JSON.parse(v.rules);
    } catch {
      throw badRequest(`Heuristic rules are not valid JSON: ${jsonProblem(v.rules)}`, 'rules');
    }
    // As on /api/groups: a key naming a prototype is not data.
    const key = prototypeKeyPath(settings.rules);
    if (key) throw badRequest(`Heuristic rules must not use the key '${key.split('.').pop()}' (at ${key}).`, 'rules');
  }
  const level = num(v.logicLevel, 'Logic level', 'logic_level');
  return {
    strategy: v.strategy,
    targets: v.targets.split(/[\n,]/).map((t) => t.trim()).filter(Boolean),
    logic_level: level ?? null,
    primary_use: v.primaryUse,
    settings,
  };
}
