import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  exportPlans,
  importPlans,
  type PlanFileError,
  type PlanNode,
  readPlanFile,
} from '../../gateway/panel/plan-exchange.ts';
import { SitePlans } from '../../gateway/panel/site-plans.ts';

/**
 * The installer's plan file on disk, between two real data folders: what is exported, what a
 * second gateway stores from it, and every way a file is refused with nothing stored.
 */
const SVG = (label: string) =>
  Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 50"><text x="5" y="25">${label}</text></svg>`);
const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(64, 7)]);
const node = (id: string, site: string): PlanNode => ({
  id,
  enterprise: '华东化工',
  site,
  zone: '一层',
  location: '东墙',
});

const dirs: string[] = [];
function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'pw-plans-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A gateway with two buildings planned and three nodes placed. */
function source(): { plans: SitePlans; registry: PlanNode[] } {
  const plans = new SitePlans(dataDir());
  plans.setImage('A区', SVG('A'));
  plans.setPositions('A区', { 'smoke-a1': { x: 0.25, y: 0.3 }, 'water-a2': { x: 0.75, y: 0.3 } });
  plans.setImage('B区', PNG);
  plans.setPositions('B区', { 'smoke-b1': { x: 0.5, y: 0.5 } });
  const registry = [node('smoke-a1', 'A区'), node('water-a2', 'A区'), node('smoke-b1', 'B区'), node('smoke-c1', 'C区')];
  return { plans, registry };
}

function refusal(fn: () => unknown): PlanFileError {
  try {
    fn();
  } catch (err) {
    return err as PlanFileError;
  }
  throw new Error('not refused');
}

describe('site-plan export and import', () => {
  it('exports every drawing byte for byte, the positions and the registry places, never a key', () => {
    const { plans, registry } = source();
    const withKeys = registry.map((n) => ({ ...n, keyHex: 'ab'.repeat(16) }));
    const file = exportPlans(plans, withKeys, { gw: 'gw1', park: 'park1' }, 1_700_000_000_000);
    expect(file).toMatchObject({ format: 'parkwatch-site-plans', version: 1, from: { gw: 'gw1' } });
    expect(file.sites.map((s) => s.site)).toEqual(['A区', 'B区']);
    expect(Buffer.from(file.sites[1].image, 'base64').equals(PNG)).toBe(true);
    expect(file.sites[0].positions['smoke-a1']).toEqual({ x: 0.25, y: 0.3 });
    // nodes of planned buildings; C区 has no plan and nobody placed smoke-c1
    expect(file.nodes.map((n) => n.id)).toEqual(['smoke-a1', 'water-a2', 'smoke-b1']);
    expect(JSON.stringify(file)).not.toMatch(/keyHex|abababab/);
  });

  it('applies positions of registered nodes on another gateway and names the rest by id', () => {
    const { plans, registry } = source();
    const text = JSON.stringify(exportPlans(plans, registry, { gw: 'gw1', park: 'park1' }, 0));
    const target = new SitePlans(dataDir());
    // here water-a2 was never registered and smoke-b1 was registered in A区
    const here = [node('smoke-a1', 'A区'), node('smoke-b1', 'A区')];
    const report = importPlans(target, text, here);
    expect(report.sites).toEqual(['A区', 'B区']);
    expect(report.placed).toBe(1);
    expect(report.unknown).toEqual([node('water-a2', 'A区')]);
    expect(report.elsewhere).toEqual([{ id: 'smoke-b1', plan: 'B区', registeredIn: 'A区' }]);
    expect(target.list()['A区'].positions).toEqual({ 'smoke-a1': { x: 0.25, y: 0.3 } });
    expect(target.list()['B区'].positions).toEqual({});
    expect(target.image('B区')?.body.equals(PNG)).toBe(true);
    expect(target.image('A区')?.type).toBe('image/svg+xml');
  });

  it('a dry run reports the same and stores nothing', () => {
    const { plans, registry } = source();
    const target = new SitePlans(dataDir());
    const report = importPlans(
      target,
      JSON.stringify(exportPlans(plans, registry, { gw: '', park: '' }, 0)),
      registry,
      true,
    );
    expect(report.placed).toBe(3);
    expect(target.list()).toEqual({});
  });

  it('refuses a damaged, cut-short, foreign or newer file with a bilingual reason, storing nothing', () => {
    const { plans, registry } = source();
    const good = exportPlans(plans, registry, { gw: 'gw1', park: 'park1' }, 0);
    const targetDir = dataDir();
    const target = new SitePlans(targetDir);
    target.setImage('A区', SVG('old'));
    target.setPositions('A区', { 'smoke-a1': { x: 0.9, y: 0.9 } });
    const before = readFileSync(join(targetDir, 'plans', 'plans.json'), 'utf8');

    // one character of the second drawing changed in transit: the first must not be stored either
    const flipped = structuredClone(good);
    const b64 = flipped.sites[1].image;
    flipped.sites[1].image = `${b64.slice(0, 20)}${b64[20] === 'A' ? 'B' : 'A'}${b64.slice(21)}`;
    const cases: [string, string][] = [
      [JSON.stringify(flipped), 'damaged'],
      [JSON.stringify(good).slice(0, 500), 'not_json'],
      [JSON.stringify([{ id: 'n-0102', channels: ['water'] }]), 'foreign'],
      [JSON.stringify({ ...good, version: 2 }), 'version'],
      [JSON.stringify({ ...good, nodes: [{ ...good.nodes[0], keyHex: 'ab'.repeat(16) }] }), 'invalid'],
      [JSON.stringify({ ...good, sites: [good.sites[0], good.sites[0]] }), 'invalid'],
    ];
    for (const [text, code] of cases) {
      const err = refusal(() => importPlans(target, text, registry));
      expect(err.code, text.slice(0, 80)).toBe(code);
      expect(err.message).toMatch(/[\u4e00-\u9fff].* \/ [A-Za-z]/);
    }
    expect(refusal(() => readPlanFile(JSON.stringify(flipped))).message).toContain('B区');
    expect(readFileSync(join(targetDir, 'plans', 'plans.json'), 'utf8')).toBe(before);
    expect(target.image('A区')?.body.equals(SVG('old'))).toBe(true);
  });

  it('is seen by a running panel when imported from the command line', () => {
    const dir = dataDir();
    const running = new SitePlans(dir);
    expect(running.list()).toEqual({});
    const { plans, registry } = source();
    importPlans(new SitePlans(dir), JSON.stringify(exportPlans(plans, registry, { gw: '', park: '' }, 0)), registry);
    expect(Object.keys(running.list())).toEqual(['A区', 'B区']);
    expect(running.image('B区')?.body.equals(PNG)).toBe(true);
  });

  it('refuses to export when there is no plan', () => {
    expect(refusal(() => exportPlans(new SitePlans(dataDir()), [], { gw: '', park: '' }, 0)).code).toBe('empty');
  });
});
