import { createConnection, createServer, type Server, type Socket } from 'node:net';

/** One MQTT packet seen on the wire: its type (1..14), DUP flag and, for a PUBLISH, its payload. */
export interface SeenPacket {
  dir: 'up' | 'down';
  type: number;
  dup: boolean;
  payload?: string;
}

/**
 * A TCP hop between a node and the broker that reads the MQTT packets going by: a test sees
 * a node's re-sends (DUP), can swallow the broker's PUBACKs (the node must send again until one
 * arrives), and can take the broker away (`down`: nothing listens, so Espruino's net.connect
 * throws at once) and bring it back on the same port (`up`).
 */
export class MqttProxy {
  readonly seen: SeenPacket[] = [];
  dropPubacks = false;
  private server: Server | undefined;
  private sockets = new Set<Socket>();

  constructor(
    readonly port: number,
    private brokerPort: number,
  ) {}

  up(): Promise<void> {
    const server = createServer((node) => this.join(node));
    this.server = server;
    return new Promise((resolve) => server.listen(this.port, '127.0.0.1', () => resolve()));
  }

  async down(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    if (server) await new Promise((resolve) => server.close(resolve));
  }

  private join(node: Socket): void {
    const broker = createConnection({ host: '127.0.0.1', port: this.brokerPort });
    this.sockets.add(node);
    this.sockets.add(broker);
    const close = () => {
      node.destroy();
      broker.destroy();
    };
    node.on('error', close).on('close', close);
    broker.on('error', close).on('close', close);
    this.pipe(node, broker, 'up');
    this.pipe(broker, node, 'down');
  }

  private pipe(from: Socket, to: Socket, dir: 'up' | 'down'): void {
    let buf = Buffer.alloc(0);
    from.on('data', (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      for (;;) {
        let len = 0;
        let mul = 1;
        let i = 1;
        for (;;) {
          if (i >= buf.length) return;
          const c = buf[i++];
          len += (c & 127) * mul;
          mul *= 128;
          if ((c & 128) === 0) break;
        }
        if (buf.length < i + len) return;
        const packet = buf.subarray(0, i + len);
        buf = buf.subarray(i + len);
        const type = packet[0] >> 4;
        const seen: SeenPacket = { dir, type, dup: (packet[0] & 8) !== 0 };
        if (type === 3) {
          const topicLen = packet.readUInt16BE(i);
          const qos = (packet[0] >> 1) & 3;
          seen.payload = packet.subarray(i + 2 + topicLen + (qos > 0 ? 2 : 0)).toString('latin1');
        }
        this.seen.push(seen);
        if (dir === 'down' && type === 4 && this.dropPubacks) continue;
        to.write(packet);
      }
    });
  }
}
