import { createServer, type Server } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { LiveStream } from '../../gateway/panel/live-stream.ts';
import { MemoryBackend } from './support/memory-backend.ts';

let server: Server | undefined;
let live: LiveStream | undefined;
afterEach(async () => {
  live?.close();
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r));
});

async function serve(stream: LiveStream): Promise<string> {
  server = createServer((req, res) =>
    stream.open(req, res, String(req.headers['x-session']), new URL(req.url!, 'http://x')),
  );
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
}

describe('LiveStream', () => {
  it('ends the stream of a session that is no longer valid at the next sweep, and keeps the others', async () => {
    const alive = new Set(['a', 'b']);
    live = new LiveStream(new MemoryBackend(), (id) => alive.has(id));
    const url = await serve(live);
    const a = await fetch(url, { headers: { 'x-session': 'a' } });
    const b = await fetch(url, { headers: { 'x-session': 'b' } });
    await expect.poll(() => live!.size).toBe(2);
    alive.delete('a');
    live.sweep();
    expect(live.size).toBe(1);
    // a's body ends: the server closed its stream
    expect(await a.text()).toBe('retry: 1000\n\n');
    const reader = b.body!.getReader();
    let text = '';
    while (!text.includes(': keepalive')) text += new TextDecoder().decode((await reader.read()).value);
    expect(text).toBe('retry: 1000\n\n: keepalive\n\n');
    await reader.cancel();
  });

  it('sends the stream head at once, even when junk after the request kills the connection', async () => {
    live = new LiveStream(new MemoryBackend(), () => true);
    const url = new URL(await serve(live));
    const received = await new Promise<string>((resolve) => {
      let text = '';
      const socket = connect(Number(url.port), url.hostname, () => {
        // a GET whose "body" has no length: node:http parses it as a broken second request
        socket.write('GET / HTTP/1.1\r\nHost: x\r\nx-session: a\r\n\r\n{}');
      });
      socket.on('data', (d) => {
        text += d.toString();
      });
      socket.on('close', () => resolve(text));
      socket.on('error', () => undefined);
    });
    expect(received).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(received).toContain('retry: 1000');
  });

  it('replays from ?after= when the browser has no Last-Event-ID yet', async () => {
    const backend = new MemoryBackend();
    for (let i = 0; i < 3; i++) backend.emit({ kind: 'hello', priority: 'info', node: null, ch: '', data: {} });
    live = new LiveStream(backend, () => true);
    const url = await serve(live);
    const res = await fetch(`${url}?after=1`, { headers: { 'x-session': 'a' } });
    const reader = res.body!.getReader();
    let text = '';
    while (!text.includes('id: 3')) text += new TextDecoder().decode((await reader.read()).value);
    expect(text).not.toContain('id: 1\n');
    expect(text).toContain('id: 2\n');
    await reader.cancel();
  });
});
