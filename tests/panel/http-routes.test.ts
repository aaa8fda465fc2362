import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DrillBook } from '../../gateway/drills/drill-book.ts';
import { mountPanelFromConfig } from '../../gateway/panel/panel.ts';
import { UserStore } from '../../gateway/panel/users.ts';
import { openDatabase } from '../../gateway/store/database.ts';
import { MemoryBackend } from './support/memory-backend.ts';
import { PanelClient, type PanelServer, startPanelServer } from './support/panel-server.ts';

const PLACE = { enterprise: '宁德电池', site: 'A', zone: '二号车间', location: '涂布线' };
let backend: MemoryBackend;
let server: PanelServer;

async function withUsers(dataDir: string) {
  const users = UserStore.openInDir(dataDir);
  await users.add('admin', 'admin', 'admin-password-1');
  await users.add('op', 'operator', 'operator-password-1');
  await users.add('view', 'viewer', 'viewer-password-1');
  users.close();
}

async function as(name: string, password: string): Promise<PanelClient> {
  const client = new PanelClient(server.url);
  const res = await client.login(name, password);
  expect(res.status).toBe(200);
  return client;
}

function fireAlarm(node = 'n1') {
  return backend.emit({
    kind: 'alarm',
    priority: 'fire',
    node,
    ch: 'smoke',
    data: { v: 900, b: 50, th: 600, src: 'smoke' },
  });
}

beforeEach(async () => {
  backend = new MemoryBackend();
  backend.addNode('n1', PLACE);
  backend.addNode('n2', { ...PLACE, enterprise: '华达物流', zone: '仓库' }, false);
  server = await startPanelServer(backend, { loginAttemptsPerIp: 50, loginAttemptsPerUser: 3 }, withUsers);
});
afterEach(async () => {
  await server.close();
});

describe('mounting', () => {
  it('takes / and /panel/*, and leaves everything else to the gateway', async () => {
    const root = await fetch(server.url + '/', { redirect: 'manual' });
    expect(root.status).toBe(303);
    expect(root.headers.get('location')).toBe('/panel/');
    expect(await (await fetch(server.url + '/metrics')).text()).toBe('gateway: not the panel');
    const page = await fetch(server.url + '/panel/');
    expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
    const html = await page.text();
    expect(html).toContain('<script type="module" src="/panel/assets/app.js">');
  });

  it('serves only its own files, none from another host', async () => {
    for (const name of ['app.js', 'api.js', 'views.js', 'i18n.js', 'chart.js', 'sound.js', 'app.css']) {
      const text = await (await fetch(`${server.url}/panel/assets/${name}`)).text();
      expect(text, name).not.toMatch(/https?:\/\/(?!www\.w3\.org)/);
      expect(text, name).not.toMatch(/@import|@font-face/);
    }
    expect((await fetch(server.url + '/panel/assets/../backend.ts')).status).toBe(404);
    expect((await fetch(server.url + '/panel/assets/nope.js')).status).toBe(404);
  });
});

describe('login and sessions', () => {
  it('asks for login, then sets an HttpOnly SameSite=Strict cookie and a CSRF token', async () => {
    const anon = await fetch(server.url + '/panel/api/overview');
    expect(anon.status).toBe(401);
    expect(await anon.json()).toMatchObject({ error: 'login', message: '请先登录 / please log in' });
    const client = new PanelClient(server.url);
    const res = await client.login('op', 'operator-password-1');
    const cookie = res.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/^pw_panel=[\w-]{40,}; Path=\/panel; HttpOnly; SameSite=Strict; Max-Age=\d+$/);
    expect(client.csrf).toMatch(/^[\w-]{30,}$/);
    const session = await (await client.request('GET', '/panel/api/session')).json();
    expect(session).toMatchObject({ user: 'op', role: 'operator', kiosk: false });
  });

  it('refuses a wrong password and then rate-limits the user name', async () => {
    const client = new PanelClient(server.url);
    for (let i = 0; i < 3; i++) {
      const res = await client.login('op', 'wrong-password');
      expect(res.status).toBe(401);
      expect((await res.json()).message).toBe('用户名或密码错误 / wrong name or password');
    }
    const limited = await client.login('op', 'operator-password-1');
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await limited.json()).message).toMatch(/登录失败次数过多.*too many failed logins/);
  });

  it('refuses a login posted from another site and a login that is not JSON', async () => {
    const client = new PanelClient(server.url);
    const cross = await client.request(
      'POST',
      '/panel/api/login',
      { name: 'op', password: 'operator-password-1' },
      { Origin: 'http://evil.example' },
    );
    expect(cross.status).toBe(403);
    const form = await fetch(server.url + '/panel/api/login', {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'name=op&password=operator-password-1',
    });
    expect(form.status).toBe(415);
  });

  it('logs out a removed user and applies a role change at once', async () => {
    const op = await as('op', 'operator-password-1');
    const view = await as('view', 'viewer-password-1');
    const users = UserStore.openInDir(server.dataDir);
    users.remove('op');
    users.close();
    expect((await op.request('GET', '/panel/api/overview')).status).toBe(401);
    expect((await view.request('GET', '/panel/api/overview')).status).toBe(200);
  });

  it('logs out: the cookie no longer works', async () => {
    const client = await as('view', 'viewer-password-1');
    expect((await client.request('POST', '/panel/api/logout', {})).status).toBe(200);
    expect((await client.request('GET', '/panel/api/overview')).status).toBe(401);
  });
});

describe('actions', () => {
  it('needs the CSRF token on every state-changing request', async () => {
    const alarm = fireAlarm();
    const client = await as('op', 'operator-password-1');
    const token = client.csrf;
    client.csrf = '';
    const none = await client.request('POST', '/panel/api/actions', { action: 'acknowledge', ref: alarm.alarm!.ref });
    expect(none.status).toBe(403);
    client.csrf = token.slice(0, -1) + (token.endsWith('a') ? 'b' : 'a');
    const wrong = await client.request('POST', '/panel/api/actions', { action: 'acknowledge', ref: alarm.alarm!.ref });
    expect(wrong.status).toBe(403);
    expect(backend.actions).toEqual([]);
    client.csrf = token;
    expect((await client.request('POST', '/panel/api/logout', {}, { 'X-CSRF-Token': '' })).status).toBe(403);
  });

  it('records who acknowledged, silenced, noted and tested, as decided events', async () => {
    const alarm = fireAlarm();
    const client = await as('op', 'operator-password-1');
    const ack = await client.request('POST', '/panel/api/actions', { action: 'acknowledge', ref: alarm.alarm!.ref });
    expect(ack.status).toBe(200);
    expect((await ack.json()).event).toMatchObject({ kind: 'acknowledge', data: { by: 'op', ref: alarm.alarm!.ref } });
    const silence = { action: 'silence', ref: alarm.alarm!.ref, seconds: 300, by: 'someone-else' };
    expect((await client.request('POST', '/panel/api/actions', silence)).status).toBe(200);
    const note = { action: 'note', event: alarm.id, note: '误报：焊接烟雾 / false alarm: welding fumes' };
    expect((await client.request('POST', '/panel/api/actions', note)).status).toBe(200);
    expect((await client.request('POST', '/panel/api/actions', { action: 'test', node: 'n1' })).status).toBe(200);
    expect(backend.actions.map((a) => [a.action, a.by])).toEqual([
      ['acknowledge', 'op'],
      ['silence', 'op'],
      ['note', 'op'],
      ['test', 'op'],
    ]);
    const overview = await (await client.request('GET', '/panel/api/overview')).json();
    expect(overview.conditions[0]).toMatchObject({ state: 'acknowledged', acknowledgedBy: 'op' });
  });

  it('refuses actions from viewers and kiosks, and bad input, in both languages', async () => {
    const alarm = fireAlarm();
    const viewer = await as('view', 'viewer-password-1');
    const res = await viewer.request('POST', '/panel/api/actions', { action: 'acknowledge', ref: alarm.alarm!.ref });
    expect(res.status).toBe(403);
    expect((await res.json()).message).toBe('您的角色不能执行此操作 / your role may not do this');
    const op = await as('op', 'operator-password-1');
    const bad = await op.request('POST', '/panel/api/actions', { action: 'silence', ref: 'x', seconds: 99999 });
    expect(bad.status).toBe(400);
    expect((await bad.json()).message).toMatch(/^输入无效：seconds：.* \/ invalid input: seconds: /);
    const unknown = await op.request('POST', '/panel/api/actions', { action: 'reset', ref: 'n7/smoke/alarm' });
    expect(unknown.status).toBe(409);
    expect(await unknown.json()).toMatchObject({ error: 'unknown_ref' });
    const garbage = await op.request('POST', '/panel/api/actions', undefined, {
      'Content-Type': 'application/json',
    });
    expect(garbage.status).toBe(400);
    const refusals = await (await (await as('admin', 'admin-password-1')).request('GET', '/panel/api/refusals')).json();
    expect(refusals.panel).toMatchObject({ forbidden: 1, bad_request: 2 });
    expect(refusals.gateway.byReason.bad_signature).toBe(2);
    expect((await op.request('GET', '/panel/api/refusals')).status).toBe(403);
  });
});

describe('views', () => {
  it('lists conditions fire, water, trouble with counts', async () => {
    backend.emit({
      kind: 'trouble',
      priority: 'trouble',
      node: 'n2',
      ch: '',
      trouble: 'offline',
      data: { code: 'offline' },
    });
    backend.emit({
      kind: 'alarm',
      priority: 'water',
      node: 'n2',
      ch: 'leak',
      data: { v: 1, b: 0, th: 1, src: 'water' },
    });
    fireAlarm();
    const client = await as('view', 'viewer-password-1');
    const overview = await (await client.request('GET', '/panel/api/overview')).json();
    expect(overview.conditions.map((c: { priority: string }) => c.priority)).toEqual(['fire', 'water', 'trouble']);
    expect(overview.counts).toEqual({ alarms: 2, unacknowledged: 3, troubles: 1, offline: 1, nodes: 2 });
    expect(overview.lastSeq).toBe(3);
    expect(overview.nodes).toBeUndefined();
    const { nodes } = await (await client.request('GET', '/panel/api/nodes')).json();
    expect(nodes.map((n: { node: string; online: boolean }) => [n.node, n.online])).toEqual([
      ['n1', true],
      ['n2', false],
    ]);
  });

  it('filters and pages history', async () => {
    fireAlarm('n1');
    for (let i = 0; i < 5; i++) backend.emit({ kind: 'hello', priority: 'info', node: 'n2', ch: '', data: {} });
    const client = await as('view', 'viewer-password-1');
    const byEnterprise = await (
      await client.request('GET', `/panel/api/history?enterprise=${encodeURIComponent('宁德电池')}`)
    ).json();
    expect(byEnterprise.events.map((e: { node: string }) => e.node)).toEqual(['n1']);
    const page1 = await (await client.request('GET', '/panel/api/history?kinds=hello&limit=3')).json();
    expect(page1.events.map((e: { seq: number }) => e.seq)).toEqual([6, 5, 4]);
    const page2 = await (
      await client.request('GET', `/panel/api/history?kinds=hello&limit=3&before=${page1.next}`)
    ).json();
    expect(page2.events.map((e: { seq: number }) => e.seq)).toEqual([3, 2]);
    expect(page2.next).toBeUndefined();
    const bad = await client.request('GET', '/panel/api/history?kinds=fire');
    expect(bad.status).toBe(400);
  });

  it('exports history as CSV with a UTF-8 BOM and neutralised formulas', async () => {
    const alarm = fireAlarm();
    backend.emit({
      kind: 'note',
      priority: 'info',
      node: 'n1',
      ch: 'smoke',
      data: { by: 'op', ref: alarm.id, note: '=HYPERLINK("x")' },
    });
    // a viewer may look but not export (issue 14: exports are for operators and admins)
    const viewer = await as('view', 'viewer-password-1');
    const refused = await viewer.request('GET', '/panel/api/history.csv');
    expect(refused.status).toBe(403);
    expect(await refused.text()).not.toContain('宁德电池');
    const client = await as('op', 'operator-password-1');
    const res = await client.request('GET', '/panel/api/history.csv');
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('content-disposition')).toMatch(/attachment; filename="parkwatch-history-\d+\.csv"/);
    const bytes = new Uint8Array(await res.arrayBuffer());
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const lines = new TextDecoder().decode(bytes.slice(3)).trim().split('\r\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^事件ID \/ event id,/);
    expect(lines[1]).toContain(`"'=HYPERLINK(""x"")"`);
    expect(lines[2]).toContain('宁德电池');
  });

  it('exports page after page up to the configured maximum', async () => {
    const big = new MemoryBackend();
    big.addNode('n1', PLACE);
    for (let i = 0; i < 12_000; i++) big.emit({ kind: 'hello', priority: 'info', node: 'n1', ch: '', data: { i } });
    const capped = await startPanelServer(big, { exportMaxEvents: 7000 }, withUsers);
    try {
      const client = new PanelClient(capped.url);
      await client.login('op', 'operator-password-1');
      const text = await (await client.request('GET', '/panel/api/history.csv')).text();
      const lines = text.trim().split('\r\n');
      expect(lines).toHaveLength(1 + 7000);
      expect(lines[1]).toMatch(/^gw1:12000,/);
      expect(lines[7000]).toMatch(/^gw1:5001,/);
    } finally {
      await capped.close();
    }
  });

  it('shows a node with its readings', async () => {
    for (let i = 0; i < 3; i++) {
      backend.emit({
        kind: 'telemetry',
        priority: 'telemetry',
        node: 'n1',
        ch: 'smoke',
        data: { v: 10 + i, b: 5, st: 'normal' },
      });
    }
    const client = await as('view', 'viewer-password-1');
    const data = await (await client.request('GET', '/panel/api/nodes/n1?hours=1')).json();
    expect(data.node.node).toBe('n1');
    expect(data.readings.map((r: { v: number }) => r.v)).toEqual([10, 11, 12]);
    expect(data.events).toEqual([]);
    expect((await client.request('GET', '/panel/api/nodes/n9')).status).toBe(404);
    expect((await client.request('GET', '/panel/api/nodes/bad%20id')).status).toBe(400);
    expect((await client.request('GET', '/panel/api/nodes/n1%')).status).toBe(400);
  });
});

describe('first admin and kiosk', () => {
  it('creates the first admin only with the one-time setup token printed at start', async () => {
    const fresh = await startPanelServer(new MemoryBackend());
    try {
      const line = fresh.logs.find((l) => typeof l.obj.setupToken === 'string');
      expect(line?.msg).toMatch(/一次性设置令牌 .* one-time setup token/);
      const token = line!.obj.setupToken as string;
      const anon = await (await fetch(fresh.url + '/panel/api/session')).json();
      expect(anon.needsSetup).toBe(true);
      const client = new PanelClient(fresh.url);
      const wrong = await client.request('POST', '/panel/api/setup', {
        token: 'x',
        name: 'boss',
        password: 'boss-password-1',
      });
      expect(wrong.status).toBe(403);
      const ok = await client.request('POST', '/panel/api/setup', { token, name: 'boss', password: 'boss-password-1' });
      expect(ok.status).toBe(200);
      expect(await ok.json()).toMatchObject({ user: 'boss', role: 'admin' });
      const again = await new PanelClient(fresh.url).request('POST', '/panel/api/setup', {
        token,
        name: 'boss2',
        password: 'boss-password-2',
      });
      expect(again.status).toBe(403);
    } finally {
      await fresh.close();
    }
  });

  it('opens a read-only session from a kiosk token URL', async () => {
    const users = UserStore.openInDir(server.dataDir);
    const token = users.addKioskToken('wall');
    users.close();
    const client = new PanelClient(server.url);
    expect((await client.request('GET', '/panel/kiosk?token=wrong')).status).toBe(403);
    const res = await client.request('GET', `/panel/kiosk?token=${token}`);
    expect(res.status).toBe(303);
    const session = await (await client.request('GET', '/panel/api/session')).json();
    expect(session).toMatchObject({ role: 'viewer', kiosk: true });
    client.csrf = session.csrf;
    const alarm = fireAlarm();
    const act = await client.request('POST', '/panel/api/actions', { action: 'acknowledge', ref: alarm.alarm!.ref });
    expect(act.status).toBe(403);
  });
});

describe('live stream', () => {
  async function readEvents(res: Response, count: number): Promise<{ id: number; kind: string }[]> {
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    const found: { id: number; kind: string }[] = [];
    while (found.length < count) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
      let end = text.indexOf('\n\n');
      while (end >= 0) {
        const block = text.slice(0, end);
        text = text.slice(end + 2);
        const id = /^id: (\d+)$/m.exec(block);
        const data = /^data: (.*)$/m.exec(block);
        if (id && data) found.push({ id: Number(id[1]), kind: JSON.parse(data[1]).kind });
        end = text.indexOf('\n\n');
      }
    }
    await reader.cancel();
    return found;
  }

  it('pushes decided events (not telemetry) and resumes from Last-Event-ID', async () => {
    const client = await as('view', 'viewer-password-1');
    const res = await client.request('GET', '/panel/api/stream');
    expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    const reading = readEvents(res, 2);
    backend.emit({
      kind: 'telemetry',
      priority: 'telemetry',
      node: 'n1',
      ch: 'smoke',
      data: { v: 1, b: 1, st: 'normal' },
    });
    fireAlarm();
    backend.emit({ kind: 'clear', priority: 'fire', node: 'n1', ch: 'smoke', data: { v: 1 } });
    expect(await reading).toEqual([
      { id: 2, kind: 'alarm' },
      { id: 3, kind: 'clear' },
    ]);
    // missed while disconnected: 4 and 5; resume after 3 gets exactly those
    backend.emit({
      kind: 'trouble',
      priority: 'trouble',
      node: 'n2',
      ch: '',
      trouble: 'dirty',
      data: { code: 'dirty' },
    });
    backend.emit({ kind: 'hello', priority: 'info', node: 'n2', ch: '', data: {} });
    const resumed = await client.request('GET', '/panel/api/stream', undefined, { 'Last-Event-ID': '3' });
    expect(await readEvents(resumed, 2)).toEqual([
      { id: 4, kind: 'trouble' },
      { id: 5, kind: 'hello' },
    ]);
  });

  it('refuses the stream without a session', async () => {
    expect((await fetch(server.url + '/panel/api/stream')).status).toBe(401);
  });
});

describe('mounting from the gateway config', () => {
  const ctx = { dataDir: '/nonexistent', tls: false, log: { info() {}, warn() {} } };

  it('names a bad panel key and what is wrong', () => {
    expect(() => mountPanelFromConfig(backend, { ...ctx, section: { sessionIdleMinutes: 0, colour: 'red' } })).toThrow(
      /面板配置无效 \/ invalid panel config:\n {2}- panel\.sessionIdleMinutes: .*\n {2}- panel: .*colour/,
    );
  });

  it('mounts nothing when disabled', () => {
    expect(mountPanelFromConfig(backend, { ...ctx, section: { enabled: false } })).toBeUndefined();
  });
});

describe('drills', () => {
  it('lists drills for every role; only an admin starts and stops one, named by the session', async () => {
    const db = openDatabase(server.dataDir);
    backend.drills = new DrillBook(db);
    try {
      const viewer = await as('view', 'viewer-password-1');
      const op = await as('op', 'operator-password-1');
      const admin = await as('admin', 'admin-password-1');
      const start = { action: 'start', enterprise: '宁德电池', zone: '二号车间', scenario: 'water' };
      for (const who of [viewer, op]) {
        const res = await who.request('POST', '/panel/api/drills', start);
        expect(res.status).toBe(403);
      }
      const started = await admin.request('POST', '/panel/api/drills', start);
      expect(started.status).toBe(200);
      const [drill] = (await started.json()).drills;
      expect(drill).toMatchObject({
        enterprise: '宁德电池',
        zone: '二号车间',
        scenario: 'water',
        startedBy: 'panel:admin',
      });
      const again = await admin.request('POST', '/panel/api/drills', start);
      expect(again.status).toBe(409);
      expect((await again.json()).message).toMatch(/正在进行 .* already running/);
      const listed = await (await viewer.request('GET', '/panel/api/drills')).json();
      expect(listed.running.map((d: { id: number }) => d.id)).toEqual([drill.id]);
      expect((await admin.request('POST', '/panel/api/drills', { action: 'start', enterprise: '' })).status).toBe(400);
      const stopped = await admin.request('POST', '/panel/api/drills', { action: 'stop', enterprise: '宁德电池' });
      expect((await stopped.json()).drills[0]).toMatchObject({ id: drill.id, stoppedBy: 'panel:admin' });
      expect((await (await op.request('GET', '/panel/api/drills')).json()).running).toEqual([]);
    } finally {
      db.close();
    }
  });
});
