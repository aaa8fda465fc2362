import mqtt, { type MqttClient } from 'mqtt';
import { nodeSha256 } from '../gateway/wire/node-sha256.ts';
import { seal } from '../protocol/envelope.ts';
import { encodeFrame } from '../protocol/framing.ts';
import { type NodeKind, PROTOCOL_VERSION } from '../protocol/kinds.ts';
import type { NodeMessage } from '../protocol/message.ts';
import { mqttPassword } from '../protocol/mqtt-auth.ts';
import { nodeDown, nodeUp } from '../protocol/topics.ts';

/**
 * A node as the gateway sees it on the wire, for tests and benchmarks: no firmware inside (that
 * is simulator/node/sim-node.ts `SimNode`). It signs messages exactly as the firmware does
 * (protocol/envelope.ts `seal` over node:crypto SHA-256) and keeps boot and sequence counters.
 * Use `wire()` for a raw sealed message, `frame()` for a serial line, or `connect()` to talk
 * to the local broker as the node itself.
 */
export class NodeClient {
  seq = 0;

  constructor(
    readonly id: string,
    readonly keyHex: string,
    public boot = 1,
  ) {}

  /** The next message (sequence advanced), unsigned. */
  message(
    kind: NodeKind,
    ch: string,
    d: Record<string, unknown>,
    options: { age?: number; up?: number } = {},
  ): NodeMessage {
    this.seq++;
    return {
      v: PROTOCOL_VERSION,
      node: this.id,
      boot: this.boot,
      seq: this.seq,
      up: options.up ?? this.seq * 1000,
      age: options.age ?? 0,
      kind,
      ch,
      d,
    };
  }

  /** Signs a message into its wire form. */
  seal(message: NodeMessage): string {
    return seal(nodeSha256, this.keyHex, message);
  }

  /** The next message, signed. */
  wire(kind: NodeKind, ch: string, d: Record<string, unknown>, options?: { age?: number; up?: number }): string {
    return this.seal(this.message(kind, ch, d, options));
  }

  /** The next message as a serial frame line. */
  frame(kind: NodeKind, ch: string, d: Record<string, unknown>): string {
    return encodeFrame(this.wire(kind, ch, d));
  }

  /** A restart: new boot, sequence from 1. */
  reboot(): void {
    this.boot++;
    this.seq = 0;
  }

  heartbeat(ivl = 30): string {
    return this.wire('heartbeat', '', { bat: 3000, rssi: -60, mem: 1200, ivl });
  }

  alarm(ch = 'smoke', v = 900): string {
    return this.wire('alarm', ch, { v, b: 100, th: 500, src: ch === 'water' ? 'water' : 'smoke' });
  }

  clear(ch = 'smoke', v = 100): string {
    return this.wire('clear', ch, { v });
  }

  telemetry(ch = 'smoke', v = 120): string {
    return this.wire('telemetry', ch, { v, b: 100, st: 'normal' });
  }

  /** MQTT password the local broker expects for this node. */
  password(): string {
    return mqttPassword(nodeSha256, this.keyHex) as string;
  }

  /** Connects to the local broker as this node (username = client id = node id) and subscribes to its down topic. */
  async connect(url: string, onCommand?: (wire: string) => void): Promise<MqttClient> {
    const client = await mqtt.connectAsync(url, {
      clientId: this.id,
      username: this.id,
      password: this.password(),
      reconnectPeriod: 0,
      protocolVersion: 4,
    });
    if (onCommand) {
      client.on('message', (topic, payload) => {
        if (topic === nodeDown(this.id)) onCommand(payload.toString('latin1'));
      });
      await client.subscribeAsync(nodeDown(this.id), { qos: 1 });
    }
    return client;
  }

  /** Publishes a wire form on this node's up topic with QoS 1. */
  async publish(client: MqttClient, wire: string): Promise<void> {
    await client.publishAsync(nodeUp(this.id), wire, { qos: 1 });
  }
}
