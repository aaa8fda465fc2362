import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';

/**
 * The gateway's one HTTP server. Routes are a chain of `(req, res) => boolean` handlers: the
 * first that returns true owns the request. The panel mounts its handler here; /metrics and
 * /healthz are the gateway's own.
 */
export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => boolean;

export class HttpServer {
  private handlers: RequestHandler[] = [];
  private server: Server;

  constructor(
    private logger: Logger,
    routes: { metrics: () => string; health: () => { ok: boolean; [k: string]: unknown } },
  ) {
    this.handlers.push((req, res) => {
      const path = (req.url ?? '/').split('?')[0];
      if (req.method !== 'GET') return false;
      if (path === '/metrics') {
        res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
        res.end(routes.metrics());
        return true;
      }
      if (path === '/healthz') {
        const h = routes.health();
        res.writeHead(h.ok ? 200 : 503, { 'content-type': 'application/json' });
        res.end(JSON.stringify(h));
        return true;
      }
      return false;
    });
    this.server = createServer((req, res) => this.dispatch(req, res));
  }

  /** Adds a handler after the built-in routes. */
  use(handler: RequestHandler): void {
    this.handlers.push(handler);
  }

  private dispatch(req: IncomingMessage, res: ServerResponse): void {
    try {
      for (const h of this.handlers) if (h(req, res)) return;
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
      res.end('未找到 / not found\n');
    } catch (err) {
      this.logger.error({ err: (err as Error).message, url: req.url }, 'http handler failed');
      if (!res.headersSent) res.writeHead(500);
      res.end();
    }
  }

  listen(port: number, host: string): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve((this.server.address() as AddressInfo).port);
      });
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.closeAllConnections();
      this.server.close(() => resolve());
    });
  }
}
