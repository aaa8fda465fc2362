import { Duplex } from 'node:stream';
import { Aedes } from 'aedes';
import type { NetProvider, SocketHandle } from '../board/links.ts';

/**
 * A real MQTT broker (aedes) inside the simulator process, reached through in-memory streams
 * instead of TCP, so simulated nodes speak real MQTT 3.1.1 at virtual-clock speed. It can be
 * taken down (every connection dropped, new ones refused) and brought back.
 */
export class InProcessBroker implements NetProvider {
  private up = true;
  private conns = new Set<Duplex>();

  private constructor(readonly aedes: Aedes) {}

  static async create(): Promise<InProcessBroker> {
    return new InProcessBroker(await Aedes.createBroker());
  }

  get isUp(): boolean {
    return this.up;
  }

  setUp(up: boolean): void {
    this.up = up;
    if (!up) for (const c of [...this.conns]) c.destroy();
  }

  connect(host: string, port: number, h: Parameters<NetProvider['connect']>[2]): SocketHandle {
    if (!this.up) {
      queueMicrotask(() => h.onClose(`connection refused by ${host}:${port}`));
      return { write: () => {}, end: () => {} };
    }
    const [nodeSide, brokerSide] = streamPair();
    this.conns.add(nodeSide);
    let closed = false;
    const close = (reason: string) => {
      if (closed) return;
      closed = true;
      this.conns.delete(nodeSide);
      h.onClose(reason);
    };
    nodeSide.on('data', (b: Buffer) => h.onData(b.toString('latin1')));
    nodeSide.on('close', () => close('closed'));
    nodeSide.on('error', (e) => close(e.message));
    this.aedes.handle(brokerSide);
    queueMicrotask(() => h.onConnect());
    return {
      write: (data) => {
        if (!nodeSide.destroyed) nodeSide.write(Buffer.from(data, 'latin1'));
      },
      end: () => nodeSide.destroy(),
    };
  }

  /** Subscribes inside the broker (no client connection), like the gateway's embedded ingest. */
  subscribe(topic: string, onMessage: (topic: string, payload: string) => void): Promise<void> {
    return new Promise((resolve) => {
      this.aedes.subscribe(
        topic,
        (packet, cb) => {
          onMessage(packet.topic, Buffer.from(packet.payload as Buffer).toString('latin1'));
          cb();
        },
        resolve,
      );
    });
  }

  publish(topic: string, payload: string): void {
    this.aedes.publish(
      { cmd: 'publish', topic, payload: Buffer.from(payload, 'latin1'), qos: 1, retain: false, dup: false },
      () => {},
    );
  }

  close(): Promise<void> {
    this.setUp(false);
    return new Promise((resolve) => this.aedes.close(() => resolve()));
  }
}

/** Two connected in-memory duplex streams: what one writes, the other reads. */
function streamPair(): [Duplex, Duplex] {
  const make = (peer: () => Duplex) =>
    new Duplex({
      read() {},
      write(chunk, _enc, cb) {
        const p = peer();
        if (!p.destroyed) p.push(chunk);
        cb();
      },
      final(cb) {
        peer().push(null);
        cb();
      },
      destroy(err, cb) {
        const p = peer();
        if (!p.destroyed) p.destroy();
        cb(err);
      },
    });
  const a: Duplex = make(() => b);
  const b: Duplex = make(() => a);
  return [a, b];
}
