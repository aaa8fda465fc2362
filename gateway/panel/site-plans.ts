import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { ApiError } from './responses.ts';

/**
 * Site plans: one floor or site drawing per building (the placement's `site`), SVG or PNG,
 * kept by the gateway under <dataDir>/plans with each node's position on it (0..1 of the
 * drawing's width and height). Admins upload and place; everyone sees the plan with node states.
 */
export const MAX_PLAN_BYTES = 2 * 1024 * 1024;
const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export const Site = z.string().min(1).max(64);
const Position = z.object({ x: z.number().min(0).max(1), y: z.number().min(0).max(1) });
export const Positions = z.record(z.string().min(1).max(64), Position);
const PlanEntry = z.object({ type: z.enum(['image/svg+xml', 'image/png']), version: z.string(), positions: Positions });
const PlanIndex = z.record(Site, PlanEntry);
type PlanIndex = z.infer<typeof PlanIndex>;
/** A building's drawing and positions as a whole, for importing several at once. */
export interface SitePlan {
  site: string;
  body: Buffer;
  positions: z.infer<typeof Positions>;
}

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
  private file: string;
  private index: PlanIndex = {};
  /** plans.json's mtime when last read or written: `parkwatch plans import` may change it while the gateway runs */
  private seen = -1;

  constructor(dataDir: string) {
    this.dir = join(dataDir, 'plans');
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    this.file = join(this.dir, 'plans.json');
    this.fresh();
  }

  private fresh(): void {
    const mtime = existsSync(this.file) ? statSync(this.file).mtimeMs : 0;
    if (mtime === this.seen) return;
    this.index = mtime ? PlanIndex.parse(JSON.parse(readFileSync(this.file, 'utf8'))) : {};
    this.seen = mtime;
  }

  private fileOf(site: string): string {
    return join(this.dir, createHash('sha256').update(site).digest('hex').slice(0, 24));
  }

  private save(): void {
    writeFileSync(`${this.file}.tmp`, JSON.stringify(this.index, null, 2), { mode: 0o600 });
    renameSync(`${this.file}.tmp`, this.file);
    this.seen = statSync(this.file).mtimeMs;
  }

  private entryFor(body: Buffer, positions: z.infer<typeof Positions>) {
    const type = planType(body);
    if (!type) throw new ApiError(415, 'bad_plan', '平面图必须是 SVG 或 PNG / a plan must be SVG or PNG');
    const version = createHash('sha256').update(body).digest('hex').slice(0, 12);
    return { type, version, positions };
  }

  list(): PlanIndex {
    this.fresh();
    return this.index;
  }

  image(site: string): { type: string; body: Buffer } | undefined {
    const entry = this.list()[site];
    return entry ? { type: entry.type, body: readFileSync(this.fileOf(site)) } : undefined;
  }

  setImage(site: string, body: Buffer): void {
    this.fresh();
    const entry = this.entryFor(body, this.index[site]?.positions ?? {});
    writeFileSync(this.fileOf(site), body, { mode: 0o600 });
    this.index[site] = entry;
    this.save();
  }

  setPositions(site: string, positions: z.infer<typeof Positions>): void {
    const entry = this.list()[site];
    if (!entry) throw new ApiError(404, 'no_plan', `${site} 还没有平面图 / ${site} has no plan yet`);
    entry.positions = positions;
    this.save();
  }

  /**
   * Replaces the drawings and positions of these buildings together: every drawing is checked
   * and written beside its final name before any is renamed into place, so a bad one changes nothing.
   */
  replace(plans: SitePlan[]): void {
    this.fresh();
    const entries = plans.map((p) => ({ ...p, entry: this.entryFor(p.body, p.positions) }));
    for (const p of entries) writeFileSync(`${this.fileOf(p.site)}.tmp`, p.body, { mode: 0o600 });
    for (const p of entries) {
      renameSync(`${this.fileOf(p.site)}.tmp`, this.fileOf(p.site));
      this.index[p.site] = p.entry;
    }
    this.save();
  }
}
