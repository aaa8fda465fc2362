import type { IncomingMessage, ServerResponse } from 'node:http';
import type { DecidedEvent } from '../wire/events.ts';
import type { PanelBackend } from './backend.ts';

/**
 * Server-sent events to the browsers. Each event carries its gateway seq as the SSE id, so a
 * browser that reconnects (EventSource does so by itself) sends Last-Event-ID and gets every
 * event it missed from the backend's log before the live ones. Telemetry is not streamed:
 * it is frequent and the node page reads it on demand.
 */
const REPLAY_LIMIT = 2000;
const KEEPALIVE_MS = 15_000;

interface Client {
  res: ServerResponse;
  sessionId: string;
  lastSeq: number;
}

export class LiveStream {
  private clients = new Set<Client>();
  private unsubscribe: () => void;
  private keepalive: NodeJS.Timeout;

  /**
   * `sessionAlive` is asked on every keepalive, so a stream whose user was removed (or whose
   * kiosk link was revoked) ends within KEEPALIVE_MS.
   */
  constructor(
    private backend: PanelBackend,
    private sessionAlive: (sessionId: string) => boolean,
  ) {
    this.unsubscribe = backend.subscribe((e) => {
      for (const c of this.clients) this.send(c, e);
    });
    this.keepalive = setInterval(() => this.sweep(), KEEPALIVE_MS);
    this.keepalive.unref();
  }

  get size(): number {
    return this.clients.size;
  }

  open(req: IncomingMessage, res: ServerResponse, sessionId: string, url: URL): void {
    const header = req.headers['last-event-id'];
    const resumeFrom = Number(typeof header === 'string' ? header : (url.searchParams.get('after') ?? ''));
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    // retry: how long the browser waits before reconnecting by itself
    res.write('retry: 1000\n\n');
    // node:http holds writes corked until the next tick; send the stream's head now, so the
    // client has it even if the connection dies in this tick (e.g. junk after the request)
    res.socket?.uncork();
    const client: Client = { res, sessionId, lastSeq: 0 };
    if (Number.isSafeInteger(resumeFrom) && resumeFrom > 0) {
      client.lastSeq = resumeFrom;
      for (const e of this.backend.eventsAfter(resumeFrom, REPLAY_LIMIT)) this.send(client, e);
    }
    this.clients.add(client);
    const drop = () => this.clients.delete(client);
    req.on('close', drop);
    res.on('error', drop);
  }

  /** Ends streams whose session is gone; keeps the others' connections warm through proxies. */
  sweep(): void {
    for (const c of this.clients) {
      if (this.sessionAlive(c.sessionId)) c.res.write(': keepalive\n\n');
      else {
        c.res.end();
        this.clients.delete(c);
      }
    }
  }

  /** Ends the streams of a session that logged out. */
  endSession(sessionId: string): void {
    for (const c of this.clients) {
      if (c.sessionId === sessionId) {
        c.res.end();
        this.clients.delete(c);
      }
    }
  }

  close(): void {
    this.unsubscribe();
    clearInterval(this.keepalive);
    for (const c of this.clients) c.res.end();
    this.clients.clear();
  }

  private send(c: Client, e: DecidedEvent): void {
    if (e.seq <= c.lastSeq) return;
    c.lastSeq = e.seq;
    if (e.kind === 'telemetry') return;
    c.res.write(`id: ${e.seq}\nevent: decided\ndata: ${JSON.stringify(e)}\n\n`);
  }
}
