/**
 * Reads a DecidedEvent (gateway/wire/events.ts) off the wire inside a function node. zod does
 * not run in Node-RED's sandbox, so this checks by hand the fields the flows rely on and says
 * which one is wrong; tests/flows checks the test events against the real zod schema.
 */

export interface Placement {
  enterprise: string;
  site: string;
  zone: string;
  location: string;
}

/** The fields of a DecidedEvent the flows read; the rest is kept as it came. */
export interface EventView {
  id: string;
  seq: number;
  gw: string;
  park: string;
  kind: string;
  priority: string;
  at: number;
  node: string | null;
  ch: string;
  placement: Placement | null;
  data: Record<string, unknown>;
  alarm?: { state: string; since: number; by?: string; ref: string };
  /** set while the place is in a drill: an exercise, never a real alarm */
  drill?: { id: number; scenario: string };
}

/** The event, or what is wrong with it as text. */
export function readEvent(payload: unknown): EventView | string {
  let value: unknown = payload;
  if (typeof payload === 'string' || Buffer.isBuffer(payload)) {
    try {
      value = JSON.parse(String(payload));
    } catch {
      return 'not JSON';
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'not a JSON object';
  const e = value as Record<string, unknown>;
  for (const field of ['id', 'gw', 'park', 'kind', 'priority', 'ch']) {
    if (typeof e[field] !== 'string' || (field !== 'ch' && e[field] === '')) {
      return 'field "' + field + '" must be a non-empty string';
    }
  }
  if (typeof e.seq !== 'number' || typeof e.at !== 'number') return 'fields "seq" and "at" must be numbers';
  if (e.node !== null && typeof e.node !== 'string') return 'field "node" must be a string or null';
  if (typeof e.data !== 'object' || e.data === null) return 'field "data" must be an object';
  const p = e.placement as Record<string, unknown> | null;
  if (p !== null && (typeof p !== 'object' || typeof p.enterprise !== 'string')) {
    return 'field "placement" must be null or name an enterprise';
  }
  if (e.alarm !== undefined) {
    const a = e.alarm as Record<string, unknown> | null;
    if (typeof a !== 'object' || a === null || typeof a.state !== 'string' || typeof a.ref !== 'string') {
      return 'field "alarm" must have a state and a ref';
    }
  }
  if (e.drill !== undefined) {
    const d = e.drill as Record<string, unknown> | null;
    if (typeof d !== 'object' || d === null || typeof d.id !== 'number') return 'field "drill" must have a numeric id';
  }
  return e as unknown as EventView;
}
