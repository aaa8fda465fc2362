import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Access } from './access.ts';
import { exportPlans, importPlans, MAX_PLAN_FILE_BYTES, PlanFileError, type PlanNode } from './plan-exchange.ts';
import { ApiError, parseInput, readJson, sendBody, sendJson } from './responses.ts';
import { MAX_PLAN_BYTES, Positions, Site, type SitePlans } from './site-plans.ts';

/** a plan is shown as an image: even opened on its own, nothing in it may run */
const IMAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox";

/** What the plan routes need besides the plans: the registry to match, and who this gateway is. */
export interface PlanRouteContext {
  plans: SitePlans;
  access: Access;
  nodes(): PlanNode[];
  identity(): { gw: string; park: string };
  now(): number;
}

async function readBody(req: IncomingMessage, max: number, tooLarge: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > max) throw new ApiError(413, 'too_large', tooLarge);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/**
 * GET /panel/api/plans, GET|PUT /panel/api/plans/<site>/image, PUT /panel/api/plans/<site>/positions,
 * GET /panel/api/plans/export and POST /panel/api/plans/import (admins: the file shows where every node is).
 */
export async function planRoute(ctx: PlanRouteContext, req: IncomingMessage, res: ServerResponse, rest: string) {
  const { plans, access } = ctx;
  const method = req.method ?? 'GET';
  if (rest === '' && method === 'GET') {
    access.requireSession(req);
    return sendJson(res, 200, { plans: plans.list() });
  }
  if (rest === 'export' && method === 'GET') {
    access.requireRole(req, 'admin');
    const file = asApiError(() => exportPlans(plans, ctx.nodes(), ctx.identity(), ctx.now()));
    const stamp = new Date(ctx.now()).toISOString().slice(0, 16).replace(/[-:T]/g, '');
    return sendBody(res, 200, JSON.stringify(file), {
      'Content-Type': 'application/json; charset=utf-8',
      'Content-Disposition': `attachment; filename="parkwatch-plans-${file.from.park}-${stamp}.json"`,
      'Cache-Control': 'no-store',
    });
  }
  if (rest === 'import' && method === 'POST') {
    access.requireAction(req, 'admin');
    const body = await readBody(req, MAX_PLAN_FILE_BYTES, '文件不能超过 32 MB / the file may be at most 32 MB');
    const report = asApiError(() => importPlans(plans, body.toString('utf8'), ctx.nodes()));
    return sendJson(res, 200, { report, plans: plans.list() });
  }
  const [rawSite, part] = rest.split('/');
  const site = parseInput(Site, decodeURIComponent(rawSite ?? ''));
  if (part === 'image' && method === 'GET') {
    access.requireSession(req);
    const image = plans.image(site);
    if (!image) throw new ApiError(404, 'no_plan', `${site} 还没有平面图 / ${site} has no plan yet`);
    return sendBody(res, 200, image.body, { 'Content-Type': image.type, 'Content-Security-Policy': IMAGE_CSP });
  }
  if (part === 'image' && method === 'PUT') {
    access.requireAction(req, 'admin');
    const body = await readBody(req, MAX_PLAN_BYTES, '平面图不能超过 2 MB / a plan may be at most 2 MB');
    plans.setImage(site, body);
    return sendJson(res, 200, { plans: plans.list() });
  }
  if (part === 'positions' && method === 'PUT') {
    access.requireAction(req, 'admin');
    plans.setPositions(site, await readJson(req, Positions));
    return sendJson(res, 200, { plans: plans.list() });
  }
  throw new ApiError(404, 'not_found', `没有这个页面 / not found: ${method} /panel/api/plans/${rest}`);
}

/** A refused plan file is the client's to fix: 422 with the file's own code and reason. */
function asApiError<T>(work: () => T): T {
  try {
    return work();
  } catch (err) {
    if (err instanceof PlanFileError) throw new ApiError(err.code === 'empty' ? 404 : 422, err.code, err.message);
    throw err;
  }
}
