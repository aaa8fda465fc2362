import type { Logger } from 'pino';
import { z } from 'zod';
import { canonicalJson } from '../../protocol/canonical.ts';
import { MAX_FRAME } from '../../protocol/framing.ts';
import { OperatorActionError } from '../decide/operator-action.ts';
import type { OperatorDesk } from '../decide/operator-desk.ts';
import type { Counter } from '../metrics.ts';
import { Id } from '../wire/schemas.ts';

/**
 * Commands from the cloud on `.../gw/<gw>/cmd`: acknowledge, silence, reset of a condition by
 * its ref. Each is validated with zod and answered on `.../cmd/reply` with the same `id`.
 * The operator is `cloud:<by>` so the log shows where an action came from.
 */
const Ref = z.string().min(1).max(200);
/** room left in a MAX_FRAME serial line after the command envelope and signature */
const MAX_CONFIG_BYTES = MAX_FRAME - 160;
const By = z.string().min(1).max(64);

export const CloudCommand = z.discriminatedUnion('action', [
  z.object({ id: z.string().min(1).max(64), action: z.literal('acknowledge'), ref: Ref, by: By }).strict(),
  z
    .object({
      id: z.string().min(1).max(64),
      action: z.literal('silence'),
      ref: Ref,
      seconds: z.number().int().min(1).max(600),
      by: By,
    })
    .strict(),
  z.object({ id: z.string().min(1).max(64), action: z.literal('reset'), ref: Ref, by: By }).strict(),
  /** a new node config; the node validates it, stores it and reboots. Kept small: it must fit a serial frame */
  z
    .object({
      id: z.string().min(1).max(64),
      action: z.literal('config'),
      node: Id,
      cfg: z.record(z.string(), z.unknown()).refine((c) => canonicalJson(c).length <= MAX_CONFIG_BYTES, {
        message: `config larger than ${MAX_CONFIG_BYTES} bytes does not fit a serial frame`,
      }),
      by: By,
    })
    .strict(),
]);
export type CloudCommand = z.infer<typeof CloudCommand>;

export interface CloudReply {
  id: string | null;
  ok: boolean;
  /** the stored event id when ok */
  event?: string;
  error?: { code: string; message: string };
}

export async function handleCloudCommand(
  payload: Buffer,
  deps: { desk: OperatorDesk; logger: Logger; rejects: Counter },
): Promise<CloudReply> {
  let json: unknown;
  try {
    json = JSON.parse(payload.toString('utf8'));
  } catch {
    deps.rejects.inc({ reason: 'malformed' });
    return { id: null, ok: false, error: { code: 'malformed', message: '不是 JSON / not JSON' } };
  }
  const parsed = CloudCommand.safeParse(json);
  const id = typeof (json as { id?: unknown })?.id === 'string' ? (json as { id: string }).id : null;
  if (!parsed.success) {
    deps.rejects.inc({ reason: 'schema' });
    const issue = parsed.error.issues[0];
    return {
      id,
      ok: false,
      error: { code: 'schema', message: `命令无效 / invalid command: ${issue.path.join('.')}: ${issue.message}` },
    };
  }
  const cmd = parsed.data;
  const by = `cloud:${cmd.by}`;
  try {
    const event =
      cmd.action === 'config'
        ? await deps.desk.configure(cmd.node, cmd.cfg, by)
        : await deps.desk.act(
            cmd.action === 'silence'
              ? { action: 'silence', ref: cmd.ref, seconds: cmd.seconds, by }
              : { action: cmd.action, ref: cmd.ref, by },
          );
    deps.logger.info({ id: cmd.id, action: cmd.action, event: event.id, by }, 'cloud command done');
    return { id: cmd.id, ok: true, event: event.id };
  } catch (err) {
    const code = err instanceof OperatorActionError ? err.code : 'failed';
    return { id: cmd.id, ok: false, error: { code, message: (err as Error).message } };
  }
}
