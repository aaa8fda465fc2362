import { isEventKind } from '../../protocol/kinds.ts';
import type { NetProvider, UartEnd } from '../board/links.ts';

/**
 * The node side of the wire: every event a node writes (inside MQTT PUBLISH packets or serial
 * frames), recorded before any fault can drop it. The ground truth for "every event the nodes
 * sent was accepted": node/boot/seq -> kind.
 */
const SEALED =
  /\{"age":\d+,"boot":(\d+),"ch":"[^"]*","d":.*?"kind":"(\w+)","node":"([\w-]+)","seq":(\d+),[^{}]*"sig":"[0-9a-f]{32}"\}/g;
/** The gateway's acknowledgements coming back to a node (canonical JSON: keys in this order). */
const EVENT_ACK = /\{"boot":(\d+),"d":\{"seqs":\[([\d,]+)\]\},"kind":"event_ack","node":"([\w-]+)"/g;

export class WireCapture {
  readonly events = new Map<string, string>();
  /** when each event was first written, ms of the capture's clock */
  readonly sentAt = new Map<string, number>();
  /** events the gateway acknowledged (node/boot/seq) */
  readonly acked = new Set<string>();

  constructor(private now: () => number = () => 0) {}

  private see(data: string): void {
    for (const m of data.matchAll(SEALED)) {
      if (!isEventKind(m[2] as string)) continue;
      const key = `${m[3]}/${m[1]}/${m[4]}`;
      this.events.set(key, m[2] as string);
      if (!this.sentAt.has(key)) this.sentAt.set(key, this.now());
    }
  }

  private heard(data: string): void {
    for (const m of data.matchAll(EVENT_ACK)) {
      for (const seq of (m[2] as string).split(',')) this.acked.add(`${m[3]}/${m[1]}/${seq}`);
    }
  }

  net(inner: NetProvider): NetProvider {
    return {
      connect: (host, port, h) => {
        const sock = inner.connect(host, port, {
          ...h,
          onData: (d) => {
            this.heard(d);
            h.onData(d);
          },
        });
        return {
          write: (d) => {
            this.see(d);
            sock.write(d);
          },
          end: () => sock.end(),
        };
      },
    };
  }

  uart(inner: UartEnd): UartEnd {
    return {
      write: (d) => {
        this.see(d);
        inner.write(d);
      },
      attach: (r) =>
        inner.attach((d) => {
          this.heard(d);
          r(d);
        }),
    };
  }
}
