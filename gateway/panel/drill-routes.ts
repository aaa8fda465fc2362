import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { DrillError, DrillScenario } from '../drills/drill-book.ts';
import type { Access } from './access.ts';
import type { PanelBackend } from './backend.ts';
import { ApiError, readJson, sendJson } from './responses.ts';

/**
 * `/panel/api/drills`: every role sees which drills run (the page marks them); only an admin
 * starts or stops one, and the session names who did.
 */
const DrillRequest = z.discriminatedUnion('action', [
  z
    .object({
      action: z.literal('start'),
      enterprise: z.string().min(1).max(64),
      zone: z.string().max(64).default(''),
      scenario: DrillScenario.default('fire'),
    })
    .strict(),
  z.object({ action: z.literal('stop'), enterprise: z.string().min(1).max(64).optional() }).strict(),
]);

const RECENT = 20;

function desk(backend: PanelBackend) {
  if (!backend.drills) throw new ApiError(404, 'no_drills', '此网关不支持演练 / this gateway has no drills');
  return backend.drills;
}

export function listDrills(backend: PanelBackend, access: Access, req: IncomingMessage, res: ServerResponse): void {
  access.requireSession(req);
  const all = desk(backend).list();
  sendJson(res, 200, { running: all.filter((d) => d.stoppedAt === null), recent: all.slice(0, RECENT) });
}

export async function changeDrill(
  backend: PanelBackend,
  access: Access,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const session = access.requireAction(req, 'admin');
  const body = await readJson(req, DrillRequest);
  const drills = desk(backend);
  const by = `panel:${session.user}`;
  try {
    const changed =
      body.action === 'start'
        ? [drills.start({ enterprise: body.enterprise, zone: body.zone, scenario: body.scenario, by })]
        : drills.stop(body.enterprise, by);
    sendJson(res, 200, { drills: changed });
  } catch (err) {
    if (err instanceof DrillError) throw new ApiError(409, err.code, err.message);
    throw err;
  }
}
