import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { PacketExportError } from '../incidents/packet-export.ts';
import { packetHtml } from '../incidents/packet-html.ts';
import type { Access } from './access.ts';
import type { PanelBackend } from './backend.ts';
import { ApiError, parseInput, SECURITY_HEADERS, sendJson } from './responses.ts';

/**
 * The panel's incident files: list and detail for every role; the evidence packet (JSON or the
 * printable page) only for operators and admins, since it leaves the building with a claim.
 * Closing with a cause is an operator action (`/panel/api/actions`, action "close").
 */
const ListParams = z.object({
  state: z.enum(['open', 'ended', 'closed']).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(200),
});

export class IncidentRoutes {
  constructor(
    private backend: PanelBackend,
    private access: Access,
  ) {}

  list(req: IncomingMessage, res: ServerResponse, url: URL): void {
    this.access.requireSession(req);
    const query = parseInput(ListParams, Object.fromEntries([...url.searchParams].filter(([, v]) => v !== '')));
    sendJson(res, 200, { incidents: this.backend.incidents(query) });
  }

  /** `rest` is `ID`, `ID/packet.json` or `ID/packet.html` (the id URL-decoded by the caller). */
  async one(req: IncomingMessage, res: ServerResponse, rest: string): Promise<void> {
    const m = /^(.+?)(?:\/packet\.(json|html))?$/.exec(rest);
    const id = m?.[1] ?? '';
    const format = m?.[2];
    if (!format) {
      this.access.requireSession(req);
      const detail = this.backend.incident(id);
      if (!detail) throw new ApiError(404, 'unknown_incident', `没有此事件档案 / no incident ${id}`);
      sendJson(res, 200, detail);
      return;
    }
    this.access.requireRole(req, 'operator');
    let text: string;
    try {
      const packet = await this.backend.incidentPacket(id);
      text = format === 'json' ? `${JSON.stringify(packet, null, 2)}\n` : packetHtml(packet);
    } catch (err) {
      if (err instanceof PacketExportError)
        throw new ApiError(err.code === 'unknown_incident' ? 404 : 409, err.code, err.message);
      throw err;
    }
    const name = `parkwatch-incident-${id.replace(/[^A-Za-z0-9_-]/g, '-')}.${format}`;
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      'Content-Type': format === 'json' ? 'application/json; charset=utf-8' : 'text/html; charset=utf-8',
      'Content-Disposition': `attachment; filename="${name}"`,
      'Cache-Control': 'no-store',
      'Content-Length': Buffer.byteLength(text),
    });
    res.end(text);
  }
}
