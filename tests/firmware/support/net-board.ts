import { createConnection, type Socket } from 'node:net';
import type { Clock, Stream, TcpOptions, Wifi } from '../../../firmware/hal.ts';
import { PlayedWifi, TestBoard } from './test-board.ts';

/** Real time, for tests against real parts (Mosquitto, a PTY). */
export const realClock: Clock = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  setInterval: (fn, ms) => setInterval(fn, ms),
  clear: (t) => clearTimeout(t as NodeJS.Timeout),
};

/**
 * A TestBoard whose TCP sockets are real (node:net) and whose clock is real time. Wi-Fi is the
 * one fake: an access point the test can drop (`dropWifi`), as a real one drops a node.
 */
export class NetBoard extends TestBoard {
  sockets: Socket[] = [];
  timers: unknown[] = [];
  /** the access point: connects after 10 ms */
  readonly station = new PlayedWifi(this.clock, 10, -61);

  constructor() {
    super(undefined, {
      now: realClock.now,
      setTimeout: (fn, ms) => this.track(realClock.setTimeout(fn, ms)),
      setInterval: (fn, ms) => this.track(realClock.setInterval(fn, ms)),
      clear: realClock.clear,
    });
  }

  tcp(o: TcpOptions): Stream {
    const s = createConnection({ host: o.host, port: o.port }, o.onConnect);
    this.sockets.push(s);
    s.setEncoding('latin1');
    s.on('data', (d) => o.onReadable(String(d)));
    s.on('error', () => {});
    s.on('close', () => o.onClose());
    return { write: (d) => s.write(d, 'latin1'), end: () => s.destroy() };
  }

  wifi(): Wifi {
    return this.station;
  }

  /** The access point went away: Espruino reports "disconnected" and does not reconnect by itself. */
  dropWifi(): void {
    for (const s of this.sockets) s.destroy();
    this.station.drop();
  }

  /** Power cut: sockets vanish without DISCONNECT and every timer stops. */
  powerCut(): void {
    for (const t of this.timers) clearTimeout(t as NodeJS.Timeout);
    for (const s of this.sockets) s.destroy();
  }

  private track<T>(t: T): T {
    this.timers.push(t);
    return t;
  }
}
