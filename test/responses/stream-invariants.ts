/**
 * What a client assembling a Responses stream relies on, checked over a whole event list: every
 * item is added once at the next output_index; each event that names an output_index names an
 * item that is open (added, not done yet) and its item_id; a function_call's argument deltas add
 * up to its arguments.done and its output_item.done; nothing is left open; the final response
 * holds the items in the order they were added, with what their done events said.
 */
import { expect } from 'bun:test';

export function expectConsistentItems(events: any[]): void {
  const open = new Map<number, { id: string; type: string; args: string }>();
  const done: any[] = [];
  let added = 0;
  for (const e of events) {
    if (typeof e.output_index !== 'number') continue;
    const i = e.output_index;
    if (e.type === 'response.output_item.added') {
      expect(i).toBe(added++);
      open.set(i, { id: e.item.id, type: e.item.type, args: '' });
      continue;
    }
    const item = open.get(i);
    if (!item) throw new Error(`${e.type} (sequence ${e.sequence_number}) names output_index ${i}, which is not open`);
    expect(e.item_id ?? e.item?.id).toBe(item.id);
    if (e.type.startsWith('response.function_call_arguments.')) expect(item.type).toBe('function_call');
    if (e.type === 'response.function_call_arguments.delta') item.args += e.delta;
    if (e.type === 'response.function_call_arguments.done') expect(e.arguments).toBe(item.args);
    if (e.type === 'response.output_item.done') {
      if (item.type === 'function_call') expect(e.item.arguments).toBe(item.args);
      open.delete(i);
      done[i] = e.item;
    }
  }
  expect([...open.keys()]).toEqual([]);
  expect(done.length).toBe(added);
  expect(events.at(-1).response.output).toEqual(done);
}

/** The fields of output items that do not depend on the response's id (item ids do). */
export const itemsWithoutIds = (output: any[]) =>
  output.map((o: any) =>
    o.type === 'function_call'
      ? { type: o.type, call_id: o.call_id, name: o.name, arguments: o.arguments, status: o.status }
      : { type: o.type, status: o.status, content: o.content?.map((c: any) => ({ type: c.type, text: c.text })) },
  );
