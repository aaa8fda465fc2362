import { Agent, request } from 'node:http';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserStore } from '../../gateway/panel/users.ts';
import { MemoryBackend } from '../panel/support/memory-backend.ts';
import { PanelClient, type PanelServer, startPanelServer } from '../panel/support/panel-server.ts';
import { heapGrowth } from './heap-growth.ts';

/**
 * The panel's HTTP endpoints on a real node:http server with random and mutated requests, some
 * anonymous and some inside an operator's session with a valid CSRF token. Every request gets
 * an answer (no hang), no answer is a 5xx (bad input is the client's error, said so in 4xx),
 * the server still serves a normal request afterwards, and the heap does not grow.
 */

let backend: MemoryBackend;
let server: PanelServer;
let operator: PanelClient;
// A fresh connection per request: the server may close a connection whose body it refused to read.
const agent = new Agent({ keepAlive: false, maxSockets: 8 });

beforeAll(async () => {
  backend = new MemoryBackend();
  backend.addNode('n1', { enterprise: '宁德电池', site: 'A', zone: '二号车间', location: '涂布线' });
  backend.emit({ kind: 'alarm', priority: 'fire', node: 'n1', ch: 'smoke', data: { v: 900, b: 50, th: 600 } });
  server = await startPanelServer(
    backend,
    { loginAttemptsPerIp: 1000, loginAttemptsPerUser: 1000 },
    async (dataDir) => {
      const users = UserStore.openInDir(dataDir);
      await users.add('op', 'operator', 'operator-password-1');
      users.close();
    },
  );
  operator = new PanelClient(server.url);
  expect((await operator.login('op', 'operator-password-1')).status).toBe(200);
});
afterAll(async () => {
  agent.destroy();
  await server.close();
});

interface Answer {
  status: number;
}

/** One raw request; resolves with the status once the body is read (an event stream is cut after its headers). */
function send(
  method: string,
  path: string,
  headers: Record<string, string>,
  body: Buffer | undefined,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(server.url + path, { method, headers, agent, timeout: 5000 }, (res) => {
      if ((res.headers['content-type'] ?? '').startsWith('text/event-stream')) {
        res.destroy();
        resolve({ status: res.statusCode ?? 0 });
        return;
      }
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0 }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within 5 s: ${method} ${path}`)));
    req.on('error', reject);
    if (body) req.end(body);
    else req.end();
  });
}

const ROUTES = [
  '/panel/',
  '/panel/kiosk',
  '/panel/api/session',
  '/panel/api/overview',
  '/panel/api/history',
  '/panel/api/history.csv',
  '/panel/api/refusals',
  '/panel/api/nodes/n1',
  '/panel/api/stream',
  '/panel/api/login',
  '/panel/api/setup',
  '/panel/api/logout',
  '/panel/api/actions',
  '/panel/assets/app.js',
];

const VALID_BODIES = [
  { name: 'op', password: 'operator-password-1' },
  { action: 'acknowledge', ref: 'n1/smoke' },
  { action: 'silence', ref: 'n1/smoke', minutes: 5 },
  { action: 'note', event: 'gw1:1', note: '现场确认 / checked on site' },
  { action: 'test', node: 'n1' },
  { action: 'reset', ref: 'n1/smoke' },
];

const pathArb = fc.oneof(
  fc.constantFrom(...ROUTES),
  fc
    .tuple(fc.constantFrom(...ROUTES), fc.string({ maxLength: 40 }))
    .map(([r, s]) => r + encodeURIComponent(s).replace(/%2F/g, '/')),
  fc
    .tuple(fc.constantFrom(...ROUTES), fc.constantFrom('%', '%E0%A4%A', '%00', '%ZZ', '/..', '//', '?%'))
    .map(([r, s]) => r + s),
  fc
    .tuple(
      fc.constantFrom('/panel/api/history', '/panel/api/history.csv', '/panel/api/nodes/n1', '/panel/kiosk'),
      fc.dictionary(
        fc.constantFrom(
          'node',
          'kinds',
          'from',
          'to',
          'before',
          'limit',
          'hours',
          'enterprise',
          'zone',
          'token',
          'since',
        ),
        fc.oneof(fc.string({ maxLength: 30 }), fc.integer().map(String), fc.constantFrom('NaN', '1e308', '-1', '0x10')),
      ),
    )
    .map(([r, q]) => `${r}?${new URLSearchParams(q).toString()}`),
);

const bodyArb = fc.oneof(
  fc.constant(undefined),
  fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)),
  fc.jsonValue({ maxDepth: 3 }).map((v) => Buffer.from(JSON.stringify(v) ?? 'null')),
  fc
    .tuple(fc.constantFrom(...VALID_BODIES), fc.string({ maxLength: 12 }), fc.jsonValue({ maxDepth: 1 }))
    .map(([b, key, value]) => Buffer.from(JSON.stringify({ ...b, [key || 'ref']: value }))),
  fc.constant(Buffer.alloc(300_000, 0x61)),
);

const requestArb = fc.record({
  method: fc.constantFrom('GET', 'POST', 'POST', 'PUT', 'DELETE', 'HEAD', 'OPTIONS', 'PATCH'),
  path: pathArb,
  body: bodyArb,
  contentType: fc.constantFrom('application/json', 'text/plain', 'application/json; charset=utf-8', ''),
  session: fc.constantFrom('operator', 'none', 'garbage'),
  csrf: fc.constantFrom('valid', 'none', 'wrong'),
});

type FuzzRequest = typeof requestArb extends fc.Arbitrary<infer T> ? T : never;

function headersOf(r: FuzzRequest): Record<string, string> {
  const h: Record<string, string> = {};
  if (r.contentType) h['content-type'] = r.contentType;
  if (r.session === 'operator') h.cookie = operator.cookie;
  if (r.session === 'garbage') h.cookie = `pw_session=${'x'.repeat(40)}; other=\u00ff`.replace(/[^\x20-\x7e]/g, '?');
  if (r.csrf === 'valid') h['x-csrf-token'] = operator.csrf;
  if (r.csrf === 'wrong') h['x-csrf-token'] = 'deadbeef';
  return h;
}

describe('fuzz: panel HTTP endpoints', () => {
  it('answers random and mutated requests without a 5xx and without hanging', async () => {
    await fc.assert(
      fc.asyncProperty(requestArb, async (r) => {
        const answer = await send(r.method, r.path, headersOf(r), r.body);
        expect(answer.status, `${r.method} ${r.path}`).toBeGreaterThanOrEqual(200);
        expect(answer.status, `${r.method} ${r.path}`).toBeLessThan(500);
      }),
      { numRuns: 3_000 },
    );
    // still serving (a fuzzed logout may have ended the operator's session, so log in afresh)
    const again = new PanelClient(server.url);
    expect((await again.login('op', 'operator-password-1')).status).toBe(200);
    expect((await again.request('GET', '/panel/api/overview')).status).toBe(200);
  });

  it('keeps no memory across many bad requests', async () => {
    const requests = fc.sample(requestArb, { numRuns: 600, seed: 9 });
    const growth = await heapGrowth(async () => {
      for (const r of requests) await send(r.method, r.path, headersOf(r), r.body).catch(() => undefined);
    });
    expect(growth).toBeLessThan(8 * 1024 * 1024);
  });
});
