import { z } from 'zod';
import { InputSchema } from '../node/inputs.ts';

/**
 * A scenario file (YAML or JSON): simulated nodes with their sensor inputs and link, faults at
 * given times, and what must happen. Times are seconds on the scenario's time line.
 */
const Seconds = z.number().min(0);
const NodeId = z.string().regex(/^[A-Za-z0-9_-]{1,32}$/, 'node id: 1-32 of A-Z a-z 0-9 _ - / 节点编号');

export const ScenarioNodeSchema = z
  .object({
    id: NodeId,
    /** HMAC key, hex; default: derived from the id (simulated nodes only) */
    key: z
      .string()
      .regex(/^[0-9a-fA-F]{32,128}$/)
      .optional(),
    link: z.enum(['mqtt', 'serial']).default('mqtt'),
    heartbeatS: z.number().min(5).max(3600).optional(),
    /**
     * channel configs as in firmware/node-config-schema.ts (defaults filled in by it);
     * default: one smoke channel named "smoke"
     */
    channels: z.array(z.record(z.string(), z.unknown())).min(1).optional(),
    /** what drives each channel, by channel name */
    inputs: z.record(z.string(), InputSchema).default({}),
    /** where the node stands, for the gateway registry (live mode) */
    zone: z.string().optional(),
  })
  .strict();
export type ScenarioNode = z.output<typeof ScenarioNodeSchema>;

const OneNode = { node: NodeId };
export const FaultSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('wifi_drop'), atS: Seconds, forS: Seconds, ...OneNode }).strict(),
  z.object({ kind: z.literal('local_broker_down'), atS: Seconds, forS: Seconds }).strict(),
  z.object({ kind: z.literal('cloud_broker_down'), atS: Seconds, forS: Seconds }).strict(),
  z.object({ kind: z.literal('gateway_kill'), atS: Seconds, restartAfterS: Seconds }).strict(),
  z.object({ kind: z.literal('serial_unplug'), atS: Seconds, forS: Seconds, ...OneNode }).strict(),
  z.object({ kind: z.literal('power_cut'), atS: Seconds, forS: Seconds, ...OneNode }).strict(),
  z
    .object({
      kind: z.literal('sensor_stuck'),
      atS: Seconds,
      forS: Seconds.optional(),
      ...OneNode,
      channel: z.string(),
    })
    .strict(),
]);
export type Fault = z.output<typeof FaultSchema>;

const MessageKind = z.enum(['alarm', 'prealarm', 'clear', 'trouble', 'trouble_clear', 'test', 'hush', 'hello']);
export const ExpectationSchema = z.discriminatedUnion('expect', [
  /** a message of `kind` from the node reached the gateway within `withinS` after `afterS` */
  z
    .object({
      expect: z.literal('message'),
      kind: MessageKind.default('alarm'),
      node: NodeId,
      channel: z.string().optional(),
      /** trouble code, for trouble / trouble_clear */
      code: z.string().optional(),
      afterS: Seconds.default(0),
      withinS: Seconds,
    })
    .strict(),
  /** no alarm (from the node, or from any node) with an event time between fromS and toS */
  z.object({ expect: z.literal('no_alarm'), node: NodeId.optional(), fromS: Seconds, toS: Seconds }).strict(),
  /** the gateway reported the node offline within `withinS` after `afterS` */
  z.object({ expect: z.literal('offline'), node: NodeId, afterS: Seconds, withinS: Seconds }).strict(),
  /** every event a node put on the wire was accepted by the gateway (in-process) or reached the cloud (live) */
  z.object({ expect: z.literal('all_delivered') }).strict(),
  /** live: every decided event reached the cloud, and no event id arrived twice with different content */
  z.object({ expect: z.literal('cloud_exactly_once') }).strict(),
]);
export type Expectation = z.output<typeof ExpectationSchema>;

export const ScenarioSchema = z
  .object({
    name: z.string().min(1),
    description: z.string().optional(),
    /** in-process: firmware in vm, in-process broker, virtual time; live: real processes, real time */
    mode: z.enum(['inprocess', 'live']).default('inprocess'),
    durationS: z.number().positive(),
    nodes: z.array(ScenarioNodeSchema).min(1),
    faults: z.array(FaultSchema).default([]),
    expect: z.array(ExpectationSchema).min(1),
  })
  .strict()
  .superRefine((s, ctx) => {
    const ids = s.nodes.map((n) => n.id);
    const checkNode = (node: string | undefined, path: (string | number)[]) => {
      if (node !== undefined && !ids.includes(node)) {
        ctx.addIssue({ code: 'custom', message: `no node "${node}" in nodes / 节点不存在`, path });
      }
    };
    s.faults.forEach((f, i) => {
      if ('node' in f) checkNode(f.node, ['faults', i, 'node']);
      if (f.atS > s.durationS)
        ctx.addIssue({ code: 'custom', message: 'after the end of the scenario', path: ['faults', i, 'atS'] });
      if (f.kind === 'cloud_broker_down' && s.mode !== 'live') {
        ctx.addIssue({
          code: 'custom',
          message: 'cloud_broker_down needs mode: live (in-process mode has no cloud) / 需要 live 模式',
          path: ['faults', i, 'kind'],
        });
      }
      if (f.kind === 'local_broker_down' && s.mode === 'live') {
        ctx.addIssue({
          code: 'custom',
          message: 'live mode: the gateway embeds its broker; use gateway_kill / live 模式请用 gateway_kill',
          path: ['faults', i, 'kind'],
        });
      }
      const n = 'node' in f ? s.nodes.find((x) => x.id === f.node) : undefined;
      if (f.kind === 'serial_unplug' && n && n.link !== 'serial') {
        ctx.addIssue({ code: 'custom', message: `node ${n.id} is not on a serial link`, path: ['faults', i, 'node'] });
      }
      if (f.kind === 'wifi_drop' && n && n.link !== 'mqtt') {
        ctx.addIssue({
          code: 'custom',
          message: `node ${n.id} has no Wi-Fi (serial link)`,
          path: ['faults', i, 'node'],
        });
      }
    });
    s.expect.forEach((e, i) => {
      if ('node' in e) checkNode(e.node, ['expect', i, 'node']);
      if (e.expect === 'cloud_exactly_once' && s.mode !== 'live') {
        ctx.addIssue({ code: 'custom', message: 'cloud_exactly_once needs mode: live', path: ['expect', i, 'expect'] });
      }
    });
  });
export type Scenario = z.output<typeof ScenarioSchema>;
