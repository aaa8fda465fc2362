import type { MemoryBackend } from './memory-backend.ts';

/**
 * A small park as an operator would see it during an incident: a fire with a day of smoke
 * readings behind it, a water leak, an offline node, a node that never reported its battery or
 * signal, notes, and refused messages. The layout and wall-screen tests draw every view from it.
 */
export const ADMIN = { name: '张工', password: 'admin-password-1' };

export function fillDemoPark(backend: MemoryBackend, now: number): void {
  const place = (enterprise: string, zone: string, location: string) => ({ enterprise, site: 'A区', zone, location });
  backend.addNode('smoke-a1', place('宁德电池', '二号车间', '涂布线东侧'));
  backend.addNode('water-b2', place('华达物流', '配电房', '电缆沟'), true, {
    channels: { water: 'normal' },
    battery: 0,
    rssi: 0,
  });
  backend.addNode('smoke-c3', place('宁德电池', '成品仓库', '北门货架第三排'), false, { troubles: ['offline'] });
  backend.addNode('smoke-d4', place('新能源汽车部件有限公司', '喷涂车间', '烘干炉出口上方'), true, {
    channels: { smoke: 'prealarm' },
    battery: null,
    rssi: null,
  });
  const day = 24 * 3_600_000;
  // a quiet day, then the fire: pre-alarm at 80 (0.08 dB/m), alarm at 150
  for (let i = 0; i <= 96; i++) {
    const at = now - day + i * 15 * 60_000;
    const v = Math.round(30 + 8 * Math.sin(i / 5) + (i > 90 ? (i - 90) * 40 : 0));
    backend.emit({
      kind: 'telemetry',
      priority: 'telemetry',
      node: 'smoke-a1',
      ch: 'smoke',
      at,
      data: { v, b: 30, st: 'normal' },
    });
  }
  backend.emit({
    kind: 'prealarm',
    priority: 'fire',
    node: 'smoke-a1',
    ch: 'smoke',
    at: now - 3 * 60_000,
    data: { v: 110, b: 30, th: 80 },
  });
  const fire = backend.emit({
    kind: 'alarm',
    priority: 'fire',
    node: 'smoke-a1',
    ch: 'smoke',
    at: now - 2 * 60_000,
    data: { v: 356, b: 30, th: 150, src: 'smoke' },
  });
  backend.emit({
    kind: 'alarm',
    priority: 'water',
    node: 'water-b2',
    ch: 'water',
    at: now - 60_000,
    data: { v: 1, b: 0, th: 1, src: 'water' },
  });
  backend.emit({
    kind: 'trouble',
    priority: 'trouble',
    node: 'smoke-c3',
    ch: '',
    trouble: 'offline',
    at: now - 30 * 60_000,
    data: { code: 'offline' },
  });
  backend.emit({
    kind: 'test',
    priority: 'info',
    node: 'smoke-d4',
    ch: '',
    at: now - 5 * 3_600_000,
    data: { by: 'button', ok: true },
  });
  void backend.act({ action: 'note', event: fire.id, note: '保安已到现场，确认有烟', by: ADMIN.name });
  backend.refusalCounts = {
    byReason: { bad_signature: 3, replay: 1, unknown_node: 2 },
    bySource: { 'smoke-x9': 3, 'water-b2': 1 },
  };
}
