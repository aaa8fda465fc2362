import type { InboundFrame, IngestSource } from './ingest/inbound.ts';

/**
 * An in-process ingest source: simulated nodes hand their wire forms straight to the pipeline
 * and receive their commands through a callback. This is how the simulator attaches nodes to
 * a gateway without a transport (`GatewayOptions.ingest: [() => direct]`), and how tests feed
 * frames. Messages still go through the full verify -> decide -> store path.
 */
export class DirectIngest implements IngestSource {
  readonly name = 'direct';
  private onFrame: ((frame: InboundFrame) => void) | undefined;
  private listeners = new Map<string, (wire: string) => void>();

  constructor(private now: () => number = Date.now) {}

  async start(onFrame: (frame: InboundFrame) => void): Promise<void> {
    this.onFrame = onFrame;
  }

  async stop(): Promise<void> {
    this.onFrame = undefined;
  }

  /** Delivers one wire form as if it arrived on the node's MQTT up topic (or serial when no topic node). */
  push(raw: string, topicNode?: string): boolean {
    if (!this.onFrame) return false;
    this.onFrame({
      path: topicNode === undefined ? 'serial' : 'mqtt',
      via: 'direct',
      raw,
      receivedAt: this.now(),
      topicNode,
    });
    return true;
  }

  /** Receives the sealed commands the gateway sends to `node` (event_ack, hush, test). */
  attach(node: string, onCommand: (wire: string) => void): void {
    this.listeners.set(node, onCommand);
  }

  sendToNode(node: string, wire: string): boolean {
    const listener = this.listeners.get(node);
    if (!listener) return false;
    listener(wire);
    return true;
  }
}
