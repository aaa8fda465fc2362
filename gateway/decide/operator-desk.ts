import { createHash } from 'node:crypto';
import { canonicalJson } from '../../protocol/canonical.ts';
import { eventId } from '../../protocol/message.ts';
import { type CloseRefusal, canClose, type Incident } from '../incidents/incident.ts';
import type { UnsealedCommand } from '../pipeline/command-sealer.ts';
import type { Job } from '../pipeline/pipeline.ts';
import type { NodeRegistry, RegisteredNode } from '../store/registry.ts';
import type { DecidedEvent } from '../wire/events.ts';
import type { AlarmBook } from './alarm-book.ts';
import { type Condition, type OperatorRefusal, onAcknowledge, onReset, onSilence } from './conditions.ts';
import { type DecideContext, placementOf } from './decide.ts';
import { type OperatorAction, OperatorActionError } from './operator-action.ts';

/**
 * Operator actions from the panel and from cloud commands: each becomes a job decided inside
 * the next pipeline batch (so it sees the same alarm book as the frames around it), stored
 * as a DecidedEvent, and may send a signed command to the node (hush, test).
 */
export interface OperatorDeskDeps {
  registry: NodeRegistry;
  book: AlarmBook;
  submit: (job: Job) => void;
  /** the node's current boot, from its replay window; commands name the boot they are for */
  bootOf: (node: string) => number | undefined;
  /** a stored event by its id; a note takes its node, place and alarm from it */
  eventById: (id: string) => DecidedEvent | undefined;
  /** an incident file by its id, as stored (closing checks its state) */
  incidentById: (id: string) => Incident | undefined;
  gw: string;
  now: () => number;
}

const REFUSALS: Record<OperatorRefusal, string> = {
  already_done: '该状态已处理 / already done',
  still_active: '读数仍在报警，不能复位 / the reading is still in alarm: cannot reset',
};

const CLOSE_REFUSALS: Record<CloseRefusal, string> = {
  unknown_incident: '没有此事件档案 / no such incident',
  still_open:
    '报警尚未结束（需确认并恢复或复位）/ the alarm has not ended yet: acknowledge it and let it clear, or reset it',
  already_closed: '该事件档案已结案 / the incident is already closed',
};

export class OperatorDesk {
  constructor(private deps: OperatorDeskDeps) {}

  act(action: OperatorAction): Promise<DecidedEvent> {
    return new Promise((resolve, reject) => {
      this.deps.submit({
        decide: (ctx) => this.decide(ctx, action),
        done: (events) => resolve(events[0]),
        fail: reject,
      });
    });
  }

  /**
   * Sends a new config to a node (cloud command `config`). Recorded as a `note` event with
   * the config's hash, so the log shows who changed what and when without a new event kind.
   */
  configure(nodeId: string, cfg: Record<string, unknown>, by: string): Promise<DecidedEvent> {
    return new Promise((resolve, reject) => {
      this.deps.submit({
        decide: (ctx) => {
          const node = this.deps.registry.get(nodeId);
          if (!node) throw new OperatorActionError('unknown_node', `未登记的节点 / unknown node ${nodeId}`);
          const boot = this.deps.bootOf(node.id);
          if (!boot)
            throw new OperatorActionError('unreachable', `节点尚未上线 / node ${node.id} has not been heard yet`);
          const at = this.deps.now();
          const seq = ctx.nextSeq();
          const cfgHash = createHash('sha256').update(canonicalJson(cfg)).digest('hex').slice(0, 16);
          return {
            events: [
              {
                id: eventId(ctx.gw, seq),
                seq,
                gw: ctx.gw,
                park: ctx.park,
                kind: 'note',
                priority: 'info',
                at,
                receivedAt: at,
                node: node.id,
                ch: '',
                placement: placementOf(node),
                data: { by, note: `配置已下发 / config sent (${cfgHash})`, cfgHash },
                origin: { path: 'operator', boot: 0, seq: 0 },
              },
            ],
            staged: [],
            commands: [{ node, command: { node: node.id, boot, kind: 'set_config', d: { cfg } } }],
          };
        },
        done: (events) => resolve(events[0]),
        fail: reject,
      });
    });
  }

  /** The signed `reset` command for the node holding a latched condition. */
  private resetCommand(c: Condition): { node: RegisteredNode; command: UnsealedCommand }[] {
    const node = c.node ? this.deps.registry.get(c.node) : undefined;
    const boot = node ? this.deps.bootOf(node.id) : undefined;
    if (!node || !boot)
      throw new OperatorActionError('unreachable', `节点尚未上线 / node ${c.node ?? '-'} has not been heard yet`);
    return [{ node, command: { node: node.id, boot, kind: 'reset', d: { ch: c.ch || '*' } } }];
  }

  private find(ref: string): { slot: string; condition: Condition } {
    const found = this.deps.book.findByRef(ref);
    if (!found) throw new OperatorActionError('unknown_ref', `没有此报警 / no open condition with ref ${ref}`);
    return found;
  }

  private decide(ctx: DecideContext, action: OperatorAction): ReturnType<Job['decide']> {
    const at = this.deps.now();
    const seq = ctx.nextSeq();
    const base = {
      id: eventId(ctx.gw, seq),
      seq,
      gw: ctx.gw,
      park: ctx.park,
      at,
      receivedAt: at,
      origin: { path: 'operator' as const, boot: 0, seq: 0 },
    };
    const fromCondition = (kind: DecidedEvent['kind'], c: Condition, data: Record<string, unknown>): DecidedEvent => ({
      ...base,
      kind,
      priority: c.priority,
      node: c.node,
      ch: c.ch,
      placement: placementOf(c.node ? this.deps.registry.get(c.node) : undefined),
      data,
      alarm: { state: c.state, since: c.since, by: c.acknowledgedBy, ref: c.ref },
      trouble: c.trouble,
    });
    switch (action.action) {
      case 'acknowledge':
      case 'reset': {
        const { slot, condition } = this.find(action.ref);
        const next =
          action.action === 'acknowledge' ? onAcknowledge(condition, action.by, at) : onReset(condition, action.by, at);
        if (typeof next === 'string') throw new OperatorActionError(next, REFUSALS[next]);
        // A latched alarm the node still holds: ask the node (it refuses while the input is active)
        const toNode = next.resetBy !== undefined && next.state === condition.state ? this.resetCommand(next) : [];
        return {
          events: [
            fromCondition(action.action, next, {
              by: action.by,
              ref: action.ref,
              ...(toNode.length > 0 ? { sent: 'reset' } : {}),
            }),
          ],
          staged: [[slot, next]],
          commands: toNode,
        };
      }
      case 'silence': {
        const { slot, condition } = this.find(action.ref);
        const next = onSilence(condition, at + action.seconds * 1000);
        const node = condition.node ? this.deps.registry.get(condition.node) : undefined;
        const boot = node ? this.deps.bootOf(node.id) : undefined;
        return {
          events: [fromCondition('silence', next, { by: action.by, ref: action.ref, s: action.seconds })],
          staged: [[slot, next]],
          commands:
            node && boot
              ? [
                  {
                    node,
                    command: { node: node.id, boot, kind: 'hush', d: { ch: condition.ch || '*', s: action.seconds } },
                  },
                ]
              : [],
        };
      }
      case 'note': {
        const target = this.deps.eventById(action.event);
        if (!target) throw new OperatorActionError('unknown_event', `没有此事件 / no event ${action.event}`);
        // the note belongs where its event happened, and to the alarm that event was part of
        const alarmRef = target.alarm?.ref;
        return {
          events: [
            {
              ...base,
              kind: 'note',
              priority: 'info',
              node: target.node,
              ch: target.ch,
              placement: target.placement,
              data: { by: action.by, ref: action.event, note: action.note, ...(alarmRef ? { alarmRef } : {}) },
            },
          ],
          staged: [],
        };
      }
      case 'close': {
        // closed by an event in the chain, so the cause is as tamper-evident as the alarm
        const incident = this.deps.incidentById(action.incident);
        const refused = canClose(incident);
        if (refused || !incident) {
          const code = refused ?? 'unknown_incident';
          throw new OperatorActionError(code, CLOSE_REFUSALS[code]);
        }
        return {
          events: [
            {
              ...base,
              kind: 'note',
              priority: 'info',
              node: incident.node,
              ch: incident.ch,
              placement: incident.placement,
              data: {
                by: action.by,
                ref: incident.id,
                alarmRef: incident.id,
                cause: action.cause,
                ...(action.note ? { note: action.note } : {}),
              },
            },
          ],
          staged: [],
        };
      }
      case 'test': {
        const node = this.deps.registry.get(action.node);
        if (!node) throw new OperatorActionError('unknown_node', `未登记的节点 / unknown node ${action.node}`);
        const boot = this.deps.bootOf(node.id);
        if (!boot)
          throw new OperatorActionError('unreachable', `节点尚未上线 / node ${node.id} has not been heard yet`);
        return {
          events: [
            {
              ...base,
              kind: 'test_request',
              priority: 'info',
              node: node.id,
              ch: '',
              placement: placementOf(node),
              data: { by: action.by },
            },
          ],
          staged: [],
          commands: [{ node, command: { node: node.id, boot, kind: 'test', d: {} } }],
        };
      }
    }
  }
}
