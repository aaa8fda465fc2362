import { connect, createServer, type Socket } from 'node:net';

/**
 * The test's side of the prelude's `PW.ctl(port)`: lines of code sent over TCP to the
 * interpreter's main loop, each answered with its value. Console input is not used for this
 * because the Linux build reads it on a thread that races the main loop and garbles lines.
 * The board restarts (load(), E.reboot, a power cut) close the socket; the line reconnects
 * by itself, and a request whose board restarted under it fails rather than run twice.
 */
export class ControlLine {
  private socket: Socket | undefined;
  private closed = false;
  private partial = '';
  private next = 0;
  private queue: string[] = [];
  private pending = new Map<string, { what: string; resolve: (v: unknown) => void; reject: (e: Error) => void }>();

  constructor(readonly port: number) {
    this.dial();
  }

  /** A TCP port free on this machine now, for the interpreter's control server. */
  static async freePort(): Promise<number> {
    const srv = createServer();
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const port = (srv.address() as { port: number }).port;
    await new Promise((r) => srv.close(r));
    return port;
  }

  private dial(): void {
    if (this.closed) return;
    const s = connect(this.port, '127.0.0.1');
    s.setEncoding('latin1');
    s.on('connect', () => {
      this.socket = s;
      for (const line of this.queue.splice(0)) s.write(line);
    });
    s.on('data', (d: string) => this.take(d));
    s.on('error', () => {});
    s.on('close', () => {
      const wasUp = this.socket === s;
      this.socket = undefined;
      this.partial = '';
      if (wasUp) {
        for (const [, p] of this.pending) p.reject(new Error(`Espruino: the board restarted while running ${p.what}`));
        this.pending.clear();
      }
      if (!this.closed) setTimeout(() => this.dial(), wasUp ? 50 : 100);
    });
  }

  private take(d: string): void {
    const parts = (this.partial + d).split('\n');
    this.partial = parts.pop() ?? '';
    for (const line of parts) {
      const m = /^(\S+) (ok|err) (.*)$/.exec(line);
      const p = m && this.pending.get(m[1]);
      if (!m || !p) continue;
      this.pending.delete(m[1]);
      if (m[2] === 'err') p.reject(new Error(`Espruino: ${p.what} threw ${JSON.parse(m[3])}`));
      else p.resolve(m[3] === 'undefined' ? undefined : JSON.parse(m[3]));
    }
  }

  private send(tag: string, code: string): void {
    const line = `${tag} ${code.replace(/\n/g, ' ')}\n`;
    if (this.socket) this.socket.write(line);
    else this.queue.push(line);
  }

  /** Runs code on the board's main loop without waiting for it. */
  fire(code: string): void {
    this.send(`f${++this.next}`, code);
  }

  /** Runs code on the board's main loop and resolves with its value (through JSON). */
  run<T>(code: string, what: string, timeoutMs: number): Promise<T> {
    const tag = `r${++this.next}`;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(tag);
        reject(new Error(`Espruino: no answer to ${what} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(tag, {
        what,
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v as T);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      this.send(tag, code);
    });
  }

  close(): void {
    this.closed = true;
    this.socket?.destroy();
    for (const [, p] of this.pending)
      p.reject(new Error(`Espruino: the test closed the board while running ${p.what}`));
    this.pending.clear();
  }
}
