import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { z } from 'zod';
import type { Access } from './access.ts';
import { ApiError, parseInput, readJson, sendBody, sendJson } from './responses.ts';

/**
 * Site plans: one floor or site drawing per building (the placement's `site`), SVG or PNG,
 * kept by the gateway under <dataDir>/plans with each node's position on it (0..1 of the
 * drawing's width and height). Admins upload and place; everyone sees the plan with node states.
 */
export const MAX_PLAN_BYTES = 2 * 1024 * 1024;
const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
/** a plan is shown as an image: even opened on its own, nothing in it may run */
const IMAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox";

const Site = z.string().min(1).max(64);
const Position = z.object({ x: z.number().min(0).max(1), y: z.number().min(0).max(1) });
export const Positions = z.record(z.string().min(1).max(64), Position);
const PlanEntry = z.object({ type: z.enum(['image/svg+xml', 'image/png']), version: z.string(), positions: Positions });
const PlanIndex = z.record(Site, PlanEntry);
type PlanIndex = z.infer<typeof PlanIndex>;

/** PNG by its signature; SVG by an <svg> root near the start of UTF-8 text. Anything else is refused. */
export function planType(body: Buffer): 'image/png' | 'image/svg+xml' | undefined {
  if (body.length >= 8 && body.subarray(0, 8).equals(PNG_MAGIC)) return 'image/png';
  const head = body
    .subarray(0, 4096)
    .toString('utf8')
    .replace(/^\uFEFF/, '');
  if (/^\s*(<\?xml[^>]*>\s*)?(<!--[\s\S]*?-->\s*)*(<!DOCTYPE svg[^>]*>\s*)?<svg[\s>]/i.test(head))
    return 'image/svg+xml';
  return undefined;
}

export class SitePlans {
  private dir: string;
  private index: PlanIndex;

  constructor(dataDir: string) {
    this.dir = join(dataDir, 'plans');
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const file = join(this.dir, 'plans.json');
    this.index = existsSync(file) ? PlanIndex.parse(JSON.parse(readFileSync(file, 'utf8'))) : {};
  }

  private fileOf(site: string): string {
    return join(this.dir, createHash('sha256').update(site).digest('hex').slice(0, 24));
  }

  private save(): void {
    const file = join(this.dir, 'plans.json');
    writeFileSync(`${file}.tmp`, JSON.stringify(this.index, null, 2), { mode: 0o600 });
    renameSync(`${file}.tmp`, file);
  }

  list(): PlanIndex {
    return this.index;
  }

  image(site: string): { type: string; body: Buffer } | undefined {
    const entry = this.index[site];
    return entry ? { type: entry.type, body: readFileSync(this.fileOf(site)) } : undefined;
  }

  setImage(site: string, body: Buffer): void {
    const type = planType(body);
    if (!type) throw new ApiError(415, 'bad_plan', '平面图必须是 SVG 或 PNG / a plan must be SVG or PNG');
    writeFileSync(this.fileOf(site), body, { mode: 0o600 });
    const version = createHash('sha256').update(body).digest('hex').slice(0, 12);
    this.index[site] = { type, version, positions: this.index[site]?.positions ?? {} };
    this.save();
  }

  setPositions(site: string, positions: z.infer<typeof Positions>): void {
    const entry = this.index[site];
    if (!entry) throw new ApiError(404, 'no_plan', `${site} 还没有平面图 / ${site} has no plan yet`);
    entry.positions = positions;
    this.save();
  }
}

async function readImage(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_PLAN_BYTES) throw new ApiError(413, 'too_large', '平面图不能超过 2 MB / a plan may be at most 2 MB');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** GET /panel/api/plans, GET|PUT /panel/api/plans/<site>/image, PUT /panel/api/plans/<site>/positions */
export async function planRoute(
  plans: SitePlans,
  access: Access,
  req: IncomingMessage,
  res: ServerResponse,
  rest: string,
): Promise<void> {
  const method = req.method ?? 'GET';
  if (rest === '' && method === 'GET') {
    access.requireSession(req);
    return sendJson(res, 200, { plans: plans.list() });
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
    plans.setImage(site, await readImage(req));
    return sendJson(res, 200, { plans: plans.list() });
  }
  if (part === 'positions' && method === 'PUT') {
    access.requireAction(req, 'admin');
    plans.setPositions(site, await readJson(req, Positions));
    return sendJson(res, 200, { plans: plans.list() });
  }
  throw new ApiError(404, 'not_found', `没有这个页面 / not found: ${method} /panel/api/plans/${rest}`);
}
