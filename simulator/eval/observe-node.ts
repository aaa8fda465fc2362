import type { NodeConfigInput } from '../../firmware/node-config-schema.ts';
import { encodeFrame, FrameDecoder } from '../../protocol/framing.ts';
import { CapturedUart } from '../board/links.ts';
import type { FirmwareScript } from '../firmware-script.ts';
import type { ResolvedInput } from '../node/inputs.ts';
import { SimNode } from '../node/sim-node.ts';
import { type ObservedMessage, WireTap } from '../node/wire-tap.ts';
import { VirtualClock } from '../virtual-clock.ts';

/**
 * Runs one node on its own virtual clock over a serial link whose far end reads, verifies and
 * acknowledges every frame, and returns what the node said. The building block of `sim eval`:
 * no broker, no gateway, nothing but the firmware and the wire protocol.
 */
export interface ObservedRun {
  messages: ObservedMessage[];
  errors: { tMs: number; message: string }[];
  rejects: Map<string, number>;
  node: SimNode;
}

export const EVAL_KEY = '5e1f0c0ffee0ddba11c0ffee0ddba11c';

export function observeNode(opts: {
  fw: FirmwareScript;
  config: NodeConfigInput;
  inputs: Record<string, ResolvedInput>;
  durationMs: number;
}): ObservedRun {
  const clock = new VirtualClock(0);
  const tap = new WireTap(() => opts.config.key);
  const messages: ObservedMessage[] = [];
  let uart: CapturedUart | undefined;
  const decoder = new FrameDecoder({
    frame: (payload) => {
      const r = tap.read(payload, clock.now(), 'serial');
      if (!r.ok) return;
      messages.push(r.observed);
      const ack = tap.ackFor(r.observed.message);
      if (ack) uart?.push(encodeFrame(ack));
    },
    reject: () => {},
  });
  uart = new CapturedUart((data) => decoder.push(data));
  const node = new SimNode({ config: opts.config, inputs: opts.inputs, fw: opts.fw, clock, uart });
  node.board.powerOn();
  clock.runUntil(opts.durationMs);
  return { messages, errors: node.board.errors, rejects: tap.rejects, node };
}

/** First fresh message of a kind on a channel, by event time. */
export function firstOf(messages: ObservedMessage[], kind: string, ch?: string): ObservedMessage | undefined {
  return messages.find((m) => !m.duplicate && m.message.kind === kind && (ch === undefined || m.message.ch === ch));
}
