import mqtt, { type MqttClient } from 'mqtt';
import { SerialPort } from 'serialport';
import { encodeFrame, FrameDecoder } from '../../../protocol/framing.ts';
import { nodeDown, nodeUp } from '../../../protocol/topics.ts';
import { NodeClient } from '../../../simulator/node-client.ts';

/**
 * A simulated node that behaves like the firmware's link: every event (alarm) stays in a
 * re-send buffer until the gateway's signed event_ack names it, and the buffer is re-sent on
 * every (re)connect and every second. Telemetry is sent once. The link is MQTT (reconnecting
 * to the embedded broker) or a serial port (reopened when the line comes back).
 */
export interface NodeLink {
  send(wire: string): void;
  close(): Promise<void>;
}

export class ReliableNode {
  readonly sim: NodeClient;
  /** seq -> wire of events not yet acknowledged */
  readonly unacked = new Map<number, string>();
  readonly acked = new Set<number>();
  /** every alarm seq this node produced */
  readonly alarms: number[] = [];
  private link: NodeLink | undefined;
  private timer: NodeJS.Timeout;

  constructor(id: string, keyHex: string) {
    this.sim = new NodeClient(id, keyHex);
    this.timer = setInterval(() => this.resend(), 1000);
  }

  get id(): string {
    return this.sim.id;
  }

  attach(link: NodeLink): void {
    this.link = link;
  }

  alarm(): number {
    const m = this.sim.message('alarm', 'smoke', { v: 900, b: 100, th: 500, src: 'smoke' });
    const wire = this.sim.seal(m);
    this.unacked.set(m.seq, wire);
    this.alarms.push(m.seq);
    this.link?.send(wire);
    return m.seq;
  }

  telemetry(): void {
    this.link?.send(this.sim.telemetry());
  }

  /** Called with each command the gateway sends down. */
  onCommand(wire: string): void {
    let c: { kind?: unknown; boot?: unknown; d?: { seqs?: unknown } };
    try {
      c = JSON.parse(wire);
    } catch {
      return;
    }
    if (c.kind !== 'event_ack' || c.boot !== this.sim.boot || !Array.isArray(c.d?.seqs)) return;
    for (const s of c.d.seqs as number[]) {
      this.unacked.delete(s);
      this.acked.add(s);
    }
  }

  resend(): void {
    for (const wire of this.unacked.values()) this.link?.send(wire);
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.link?.close();
  }
}

/**
 * MQTT link to the gateway's embedded broker. A fresh MQTT.js client per connection (as the
 * firmware's own client): MQTT.js would otherwise re-send its in-flight publishes on reconnect
 * before the node's ring, out of the node's order. New messages wait until the ring went out.
 */
export function mqttLink(node: ReliableNode, url: string): NodeLink {
  let client: MqttClient | undefined;
  let ready = false;
  let closed = false;
  const connect = () => {
    if (closed) return;
    const c = mqtt.connect(url, {
      clientId: node.id,
      username: node.id,
      password: node.sim.password(),
      protocolVersion: 4,
      reconnectPeriod: 0,
      connectTimeout: 2000,
    });
    client = c;
    c.on('connect', () => {
      c.subscribe(nodeDown(node.id), { qos: 1 }, () => {
        ready = true;
        node.resend();
      });
    });
    c.on('message', (topic, payload) => {
      if (topic === nodeDown(node.id)) node.onCommand(payload.toString('latin1'));
    });
    c.on('error', () => undefined); // refused while the gateway restarts: we retry below
    c.on('close', () => {
      if (client !== c) return;
      ready = false;
      client = undefined;
      c.end(true);
      setTimeout(connect, 200);
    });
  };
  connect();
  const link: NodeLink = {
    send: (wire) => {
      if (ready && client?.connected) client.publish(nodeUp(node.id), wire, { qos: 1 });
    },
    close: async () => {
      closed = true;
      const c = client;
      client = undefined;
      if (c) await c.endAsync(true);
    },
  };
  node.attach(link);
  return link;
}

/** Serial link on the node's end of a PTY pair; reopened every 200 ms after the line vanishes. */
export function serialLink(node: ReliableNode, path: string): NodeLink {
  let port: SerialPort | undefined;
  let closed = false;
  let retry: NodeJS.Timeout | undefined;
  const decoder = new FrameDecoder({ frame: (p) => node.onCommand(p), reject: () => undefined });
  // A vanished PTY shows up as an error, a close, or both: reopen once per loss.
  const lost = (p: SerialPort) => {
    if (port === p) port = undefined;
    decoder.reset();
    if (p.isOpen) p.close(() => undefined);
    if (!retry && !closed) retry = setTimeout(open, 200);
  };
  const open = () => {
    retry = undefined;
    if (closed) return;
    const p = new SerialPort({ path, baudRate: 115200, autoOpen: false });
    p.on('data', (chunk: Buffer) => decoder.push(chunk.toString('latin1')));
    p.on('error', () => lost(p));
    p.on('close', () => lost(p));
    p.open((err) => {
      if (err) return lost(p);
      port = p;
      node.resend();
    });
  };
  open();
  const link: NodeLink = {
    send: (wire) => {
      port?.write(encodeFrame(wire));
    },
    close: async () => {
      closed = true;
      if (retry) clearTimeout(retry);
      const p = port;
      port = undefined;
      if (p?.isOpen) await new Promise<void>((r) => p.close(() => r()));
    },
  };
  node.attach(link);
  return link;
}
