import { z } from 'zod';
import { Cause, type CloseRefusal } from '../incidents/incident.ts';
import { Id } from '../wire/schemas.ts';

/**
 * Operator actions. `by` is the panel user name; the backend stamps the time with its own
 * clock, records the action as a DecidedEvent (kind acknowledge / silence / reset / note /
 * test_request, data { by, ref?, note? }, origin.path 'operator'), sends any node command
 * (silence -> `hush` command to the node's sounder; test -> `test` command) and returns
 * that event. It rejects with `OperatorActionError` when the action cannot be done.
 * The panel, the cloud's commands and the CLI all submit these; each maps the refusal to its own answer.
 */
export const OperatorAction = z.discriminatedUnion('action', [
  z.object({ action: z.literal('acknowledge'), ref: z.string().max(200), by: z.string() }),
  /** hush the node's sounder for `seconds` (at most MAX_HUSH_S = 600) */
  z.object({
    action: z.literal('silence'),
    ref: z.string().max(200),
    seconds: z.number().int().min(1).max(600),
    by: z.string(),
  }),
  /**
   * reset: closes an alarm whose reading is back to normal; an alarm the node latches is sent to the
   * node as a `reset` command (it refuses while its input is active); any other alarm: 'still_active'
   */
  z.object({ action: z.literal('reset'), ref: z.string().max(200), by: z.string() }),
  /** a note on any decided event (e.g. "误报：焊接烟雾 / false alarm: welding fumes"), kept for the insurer */
  z.object({ action: z.literal('note'), event: z.string().max(200), note: z.string().min(1).max(500), by: z.string() }),
  z.object({ action: z.literal('test'), node: Id, by: z.string() }),
  /** closes an incident file with its cause, once its alarm has ended (gateway/incidents/) */
  z.object({
    action: z.literal('close'),
    incident: z.string().max(200),
    cause: Cause,
    note: z.string().max(500).optional(),
    by: z.string(),
  }),
]);
export type OperatorAction = z.infer<typeof OperatorAction>;

export type ActionErrorCode =
  | 'unknown_ref'
  | 'unknown_event'
  | 'unknown_node'
  | 'not_latched'
  | 'still_active'
  | 'already_done'
  | 'unreachable'
  | CloseRefusal;

/** The refusal of an operator action. `message` is bilingual ("中文 / English"). */
export class OperatorActionError extends Error {
  constructor(
    readonly code: ActionErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'OperatorActionError';
  }
}
