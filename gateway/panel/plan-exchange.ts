import { createHash } from 'node:crypto';
import { z } from 'zod';
import { Id } from '../wire/schemas.ts';
import { MAX_PLAN_BYTES, Positions, planType, Site, type SitePlan, type SitePlans } from './site-plans.ts';

/**
 * The file an installer carries from one gateway to another (or to the same one after a
 * reinstall): each building's drawing, where its nodes sit on it, and enough of the node
 * registry to match them (ids and places, never keys). Importing checks the whole file first,
 * then writes every building at once; positions of nodes this gateway does not know are
 * reported by id, not stored.
 */
export const PLAN_FILE_FORMAT = 'parkwatch-site-plans';
export const PLAN_FILE_VERSION = 1;
/** a file holds many buildings' drawings (2 MB each at most) as base64 */
export const MAX_PLAN_FILE_BYTES = 32 * 1024 * 1024;

/** A registered node as the file carries it: where it is, not how it signs. */
export const PlanNode = z
  .object({
    id: Id,
    enterprise: z.string().max(64),
    site: z.string().max(64),
    zone: z.string().max(64),
    location: z.string().max(128),
  })
  .strict();
export type PlanNode = z.infer<typeof PlanNode>;

const PlanFileSite = z
  .object({
    site: Site,
    type: z.enum(['image/svg+xml', 'image/png']),
    /** of the decoded drawing: a file damaged in transit is refused, not half-imported */
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    image: z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'must be base64'),
    positions: Positions,
  })
  .strict();

export const PlanFile = z
  .object({
    format: z.literal(PLAN_FILE_FORMAT),
    version: z.literal(PLAN_FILE_VERSION),
    exportedAt: z.number().int(),
    from: z.object({ gw: z.string().max(64), park: z.string().max(64) }).strict(),
    sites: z
      .array(PlanFileSite)
      .max(1000)
      .refine((s) => new Set(s.map((x) => x.site)).size === s.length, 'a building appears twice'),
    nodes: z.array(PlanNode).max(100_000),
  })
  .strict();
export type PlanFile = z.infer<typeof PlanFile>;

export type PlanFileErrorCode = 'not_json' | 'foreign' | 'version' | 'invalid' | 'damaged' | 'empty';

/** Why a file was refused, bilingual ("中文 / English"); the caller maps `code` to its exit or HTTP status. */
export class PlanFileError extends Error {
  constructor(
    readonly code: PlanFileErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** What an import did (or, dry, would do). */
export interface PlanImportReport {
  /** buildings whose drawing and positions were replaced */
  sites: string[];
  /** positions stored, over all buildings */
  placed: number;
  /** positioned in the file, not registered here: not stored */
  unknown: PlanNode[];
  /** registered here in another building than the plan they were placed on: not stored */
  elsewhere: { id: string; plan: string; registeredIn: string }[];
}

/** The whole export of this gateway's plans; `nodes` are the registry, keys already left out by the caller's type. */
export function exportPlans(plans: SitePlans, nodes: PlanNode[], from: { gw: string; park: string }, now: number) {
  const index = plans.list();
  const sites = Object.keys(index).sort();
  if (sites.length === 0) throw new PlanFileError('empty', '还没有平面图可导出 / there are no plans to export yet');
  const onPlans = new Set(sites);
  const file: PlanFile = {
    format: PLAN_FILE_FORMAT,
    version: PLAN_FILE_VERSION,
    exportedAt: now,
    from,
    sites: sites.map((site) => {
      const image = plans.image(site);
      if (!image) throw new Error(`plan index names ${site} but its drawing is missing`);
      return {
        site,
        type: index[site].type,
        sha256: createHash('sha256').update(image.body).digest('hex'),
        image: image.body.toString('base64'),
        positions: index[site].positions,
      };
    }),
    nodes: nodes
      .filter((n) => onPlans.has(n.site) || sites.some((s) => index[s].positions[n.id]))
      .map(({ id, enterprise, site, zone, location }) => ({ id, enterprise, site, zone, location })),
  };
  return file;
}

/** Reads and checks a whole plan file; throws PlanFileError saying what is wrong with it. */
export function readPlanFile(text: string): { file: PlanFile; plans: SitePlan[] } {
  let raw: unknown;
  try {
    raw = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch {
    throw new PlanFileError(
      'not_json',
      '文件已损坏或不完整（不是有效的 JSON） / the file is damaged or cut short (not valid JSON)',
    );
  }
  const head = raw as { format?: unknown; version?: unknown } | null;
  if (typeof head !== 'object' || head === null || head.format !== PLAN_FILE_FORMAT)
    throw new PlanFileError('foreign', '这不是 parkwatch 平面图导出文件 / this is not a parkwatch site-plan export');
  if (head.version !== PLAN_FILE_VERSION)
    throw new PlanFileError(
      'version',
      `文件版本 ${String(head.version)} 不受支持（本网关读取版本 ${PLAN_FILE_VERSION}） / file version ${String(head.version)} is not supported (this gateway reads version ${PLAN_FILE_VERSION})`,
    );
  const parsed = PlanFile.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue.path.join('.') || '(file)';
    throw new PlanFileError(
      'invalid',
      `文件内容无效：${where}：${issue.message} / invalid file: ${where}: ${issue.message}`,
    );
  }
  const plans = parsed.data.sites.map((s) => {
    const body = Buffer.from(s.image, 'base64');
    const damaged = (why: string, whyEn: string) =>
      new PlanFileError('damaged', `${s.site} 的平面图${why} / the plan of ${s.site} ${whyEn}`);
    if (createHash('sha256').update(body).digest('hex') !== s.sha256)
      throw damaged('已损坏（校验和不符）', 'is damaged (checksum mismatch)');
    if (body.length > MAX_PLAN_BYTES) throw damaged('超过 2 MB', 'is larger than 2 MB');
    if (planType(body) !== s.type) throw damaged(`不是 ${s.type}`, `is not ${s.type}`);
    return { site: s.site, body, positions: s.positions };
  });
  return { file: parsed.data, plans };
}

/**
 * Which positions of the file apply to this gateway's registry: those of nodes registered in
 * the building whose plan they were placed on. The rest are reported.
 */
export function matchPlans(
  file: PlanFile,
  plans: SitePlan[],
  registry: PlanNode[],
): { apply: SitePlan[]; report: PlanImportReport } {
  const here = new Map(registry.map((n) => [n.id, n]));
  const there = new Map(file.nodes.map((n) => [n.id, n]));
  const report: PlanImportReport = { sites: plans.map((p) => p.site), placed: 0, unknown: [], elsewhere: [] };
  const apply = plans.map((p) => {
    const positions: SitePlan['positions'] = {};
    for (const [id, at] of Object.entries(p.positions)) {
      const node = here.get(id);
      if (!node) report.unknown.push(there.get(id) ?? { id, enterprise: '', site: p.site, zone: '', location: '' });
      else if (node.site !== p.site) report.elsewhere.push({ id, plan: p.site, registeredIn: node.site });
      else {
        positions[id] = at;
        report.placed++;
      }
    }
    return { ...p, positions };
  });
  return { apply, report };
}

/** Checks the whole file, then replaces the buildings it holds (or only reports, when `dry`). */
export function importPlans(plans: SitePlans, text: string, registry: PlanNode[], dry = false): PlanImportReport {
  const { file, plans: read } = readPlanFile(text);
  const { apply, report } = matchPlans(file, read, registry);
  if (!dry) plans.replace(apply);
  return report;
}
