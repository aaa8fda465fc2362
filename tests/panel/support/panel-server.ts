import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type MountedPanel, type PanelBackend, PanelOptions } from '../../../gateway/panel/backend.ts';
import { createPanel } from '../../../gateway/panel/panel.ts';

/** A real node:http server with the panel mounted, on a free port, with a temp data dir. */
export interface PanelServer {
  url: string;
  dataDir: string;
  panel: MountedPanel;
  logs: { level: 'info' | 'warn'; obj: Record<string, unknown>; msg?: string }[];
  /** cuts every open connection, as a network drop would (the server keeps listening) */
  dropConnections(): void;
  close(): Promise<void>;
}

export async function startPanelServer(
  backend: PanelBackend,
  options: Partial<PanelOptions> = {},
  setup?: (dataDir: string) => Promise<void>,
): Promise<PanelServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'pw-panel-'));
  if (setup) await setup(dataDir);
  const logs: PanelServer['logs'] = [];
  const panel = createPanel(backend, {
    dataDir,
    options: PanelOptions.parse(options),
    tls: false,
    log: {
      info: (obj, msg) => logs.push({ level: 'info', obj: obj as Record<string, unknown>, msg }),
      warn: (obj, msg) => logs.push({ level: 'warn', obj: obj as Record<string, unknown>, msg }),
    },
  });
  const server: Server = createServer((req, res) => {
    if (panel.handle(req, res)) return;
    res.writeHead(404, { 'Content-Type': 'text/plain' });
    res.end('gateway: not the panel');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    dataDir,
    panel,
    logs,
    dropConnections() {
      server.closeAllConnections();
    },
    async close() {
      panel.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A cookie-keeping HTTP client for one browser session. */
export class PanelClient {
  cookie = '';
  csrf = '';

  constructor(readonly base: string) {}

  async request(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
    const res = await fetch(this.base + path, {
      method,
      redirect: 'manual',
      headers: {
        ...(this.cookie ? { Cookie: this.cookie } : {}),
        ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
        ...(this.csrf ? { 'X-CSRF-Token': this.csrf } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const setCookie = res.headers.get('set-cookie');
    if (setCookie) this.cookie = setCookie.split(';')[0];
    return res;
  }

  async login(name: string, password: string) {
    const res = await this.request('POST', '/panel/api/login', { name, password });
    if (res.ok) this.csrf = ((await res.clone().json()) as { csrf: string }).csrf;
    return res;
  }
}
