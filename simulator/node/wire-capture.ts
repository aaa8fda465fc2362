import type { NetProvider, UartEnd } from '../board/links.ts';

/**
 * The node side of the wire: every event a node writes (inside MQTT PUBLISH packets or serial
 * frames), recorded before any fault can drop it. The ground truth for "every event the nodes
 * sent was accepted": node/boot/seq -> kind.
 */
const SEALED =
  /\{"age":\d+,"boot":(\d+),"ch":"[^"]*","d":.*?"kind":"(\w+)","node":"([\w-]+)","seq":(\d+),[^{}]*"sig":"[0-9a-f]{32}"\}/g;
const EVENT_KINDS = new Set(['hello', 'prealarm', 'alarm', 'clear', 'trouble', 'trouble_clear', 'test', 'hush', 'ack']);

export class WireCapture {
  readonly events = new Map<string, string>();

  private see(data: string): void {
    for (const m of data.matchAll(SEALED)) {
      if (EVENT_KINDS.has(m[2] as string)) this.events.set(`${m[3]}/${m[1]}/${m[4]}`, m[2] as string);
    }
  }

  net(inner: NetProvider): NetProvider {
    return {
      connect: (host, port, h) => {
        const sock = inner.connect(host, port, h);
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
      attach: (r) => inner.attach(r),
    };
  }
}
