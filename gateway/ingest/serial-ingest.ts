import { encodeFrame, type RejectReason } from '../../protocol/framing.ts';
import { isValidId } from '../../protocol/message.ts';
import type { IngestContext } from '../ports.ts';
import type { InboundFrame, IngestSource } from './inbound.ts';
import { SerialLink } from './serial-link.ts';

/**
 * Serial ingest: one SerialLink per configured port. Each valid frame goes to the pipeline as
 * an InboundFrame; each reject is counted per port and reason; commands to a node go back on
 * the port that node last spoke on. Ports come and go without stopping the others.
 */
export interface SerialIngestOptions {
  ports: readonly { path: string; baudRate: number }[];
  backoff: { minMs: number; maxMs: number; stableMs?: number };
  ctx: Pick<IngestContext, 'onLink' | 'count' | 'log'>;
  now?: () => number;
  random?: () => number;
}

export interface SerialPortStats {
  up: boolean;
  opens: number;
  frames: number;
  rejects: Partial<Record<RejectReason, number>>;
}

export class SerialIngest implements IngestSource {
  readonly name = 'serial';
  private readonly links: SerialLink[] = [];
  /** node id -> the link it last spoke on */
  private readonly routes = new Map<string, SerialLink>();
  private readonly counts = new Map<string, { frames: number; rejects: Partial<Record<RejectReason, number>> }>();
  private readonly now: () => number;

  constructor(private options: SerialIngestOptions) {
    this.now = options.now ?? Date.now;
  }

  async start(onFrame: (frame: InboundFrame) => void): Promise<void> {
    const { ctx } = this.options;
    for (const { path, baudRate } of this.options.ports) {
      const tally = { frames: 0, rejects: {} as Partial<Record<RejectReason, number>> };
      this.counts.set(path, tally);
      const link: SerialLink = new SerialLink({
        path,
        baudRate,
        backoff: this.options.backoff,
        log: ctx.log,
        now: this.now,
        random: this.options.random,
        onPayload: (payload) => {
          tally.frames++;
          const node = nodeOfPayload(payload);
          if (node !== undefined) this.routes.set(node, link);
          try {
            onFrame({ path: 'serial', via: path, raw: payload, receivedAt: this.now() });
          } catch (err) {
            // the pipeline promises not to throw; if it does, the port must carry on
            ctx.log.error({ port: path, err: (err as Error).message }, 'pipeline threw on a frame');
          }
        },
        onReject: (reason, chunk) => {
          tally.rejects[reason] = (tally.rejects[reason] ?? 0) + 1;
          ctx.count('ingest_transport_rejects_total', { path: 'serial', via: path, reason });
          ctx.log.debug({ port: path, reason, chunk }, 'serial frame rejected');
        },
        onLink: (up, reason) => ctx.onLink({ path: 'serial', via: path, up, reason }),
      });
      this.links.push(link);
      link.start();
    }
  }

  async stop(): Promise<void> {
    await Promise.all(this.links.map((l) => l.stop()));
    this.links.length = 0;
    this.routes.clear();
  }

  sendToNode(node: string, wire: string): boolean {
    const link = this.routes.get(node);
    return link !== undefined && link.write(encodeFrame(wire));
  }

  stats(): Record<string, SerialPortStats> {
    const out: Record<string, SerialPortStats> = {};
    for (const link of this.links) {
      const tally = this.counts.get(link.path)!;
      out[link.path] = { up: link.isOpen, opens: link.opens, frames: tally.frames, rejects: { ...tally.rejects } };
    }
    return out;
  }
}

/**
 * The node id a frame claims, only to route replies; the pipeline still verifies the message.
 * A forged frame can at worst misroute that node's acks until its next genuine frame.
 */
function nodeOfPayload(payload: string): string | undefined {
  try {
    const node = (JSON.parse(payload) as { node?: unknown }).node;
    return typeof node === 'string' && isValidId(node) ? node : undefined;
  } catch {
    return undefined;
  }
}
