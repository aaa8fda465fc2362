import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { freePort } from '../../../simulator/live/mosquitto.ts';

/** A local HTTP server standing in for the WeCom / DingTalk robots, the SMS gateway and the insurer. */
export interface ReceivedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: string;
  at: number;
}

export interface Reply {
  status: number;
  body: string;
}

export class WebhookServer {
  readonly requests: ReceivedRequest[] = [];
  /** decides the answer to each request; the default is what a robot says on success */
  reply: (request: ReceivedRequest) => Reply = () => ({ status: 200, body: '{"errcode":0,"errmsg":"ok"}' });
  private server: Server | null = null;
  private port = 0;

  get base(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.port = await freePort();
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const url = new URL(req.url ?? '/', this.base);
        const request: ReceivedRequest = {
          method: req.method ?? '',
          path: url.pathname,
          query: url.searchParams,
          headers: req.headers,
          body: Buffer.concat(chunks).toString('utf8'),
          at: Date.now(),
        };
        this.requests.push(request);
        const reply = this.reply(request);
        res.writeHead(reply.status, { 'content-type': 'application/json' });
        res.end(reply.body);
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(this.port, '127.0.0.1', resolve));
  }

  /** The requests to `path`, once there are at least `count` of them. */
  async waitFor(path: string, count = 1, timeoutMs = 10_000): Promise<ReceivedRequest[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.to(path);
      if (found.length >= count) return found;
      if (Date.now() > deadline) {
        const seen = this.requests.map((r) => r.path).join(', ');
        throw new Error(`expected ${count} request(s) to ${path} within ${timeoutMs} ms; got: ${seen || 'none'}`);
      }
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  to(path: string): ReceivedRequest[] {
    return this.requests.filter((r) => r.path === path);
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
