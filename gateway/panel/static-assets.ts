import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { PAGE_CSP, sendBody } from './responses.ts';

/**
 * The panel's own files, read once at start and served from memory: the panel works with
 * no internet, so nothing comes from a CDN and fonts are the system's (see app.css).
 */
const FILES: Record<string, string> = {
  'index.html': 'text/html; charset=utf-8',
  'app.css': 'text/css; charset=utf-8',
  'app.js': 'text/javascript; charset=utf-8',
  'api.js': 'text/javascript; charset=utf-8',
  'i18n.js': 'text/javascript; charset=utf-8',
  'views.js': 'text/javascript; charset=utf-8',
  'incidents.js': 'text/javascript; charset=utf-8',
  'chart.js': 'text/javascript; charset=utf-8',
  'channels.js': 'text/javascript; charset=utf-8',
  'wall.js': 'text/javascript; charset=utf-8',
  'centre-link.js': 'text/javascript; charset=utf-8',
  'plan.js': 'text/javascript; charset=utf-8',
  'sound.js': 'text/javascript; charset=utf-8',
  'icon.svg': 'image/svg+xml',
};

interface Asset {
  body: Buffer;
  type: string;
  etag: string;
}

export class StaticAssets {
  private assets = new Map<string, Asset>();

  constructor(dir = join(import.meta.dirname, 'assets')) {
    for (const [name, type] of Object.entries(FILES)) {
      const body = readFileSync(join(dir, name));
      const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 16)}"`;
      this.assets.set(name, { body, type, etag });
    }
  }

  /** Serves `name` if it is one of the panel's files; false otherwise. */
  serve(name: string, req: IncomingMessage, res: ServerResponse): boolean {
    const asset = this.assets.get(name);
    if (!asset) return false;
    const headers: Record<string, string> = {
      'Content-Type': asset.type,
      ETag: asset.etag,
      'Cache-Control': 'no-cache',
    };
    if (name === 'index.html') headers['Content-Security-Policy'] = PAGE_CSP;
    if (req.headers['if-none-match'] === asset.etag) {
      res.writeHead(304, headers);
      res.end();
      return true;
    }
    sendBody(res, 200, asset.body, headers);
    return true;
  }
}
