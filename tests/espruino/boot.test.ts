import { afterAll, expect, it } from 'vitest';
import { describeOnEspruino } from './harness/espruino-bin.ts';
import { Interpreter } from './harness/interpreter.ts';
import { consoleFrame, nodeScript } from './harness/node-script.ts';

const running: Interpreter[] = [];
afterAll(() => Promise.all(running.map((e) => e.dispose())));

async function start(config?: string): Promise<Interpreter> {
  const esp = await Interpreter.start({ script: await nodeScript(), config });
  running.push(esp);
  return esp;
}

describeOnEspruino('the built node script on the real Espruino interpreter', () => {
  it('boots unconfigured with no config in Storage, says why, and blinks', async () => {
    const esp = await start();
    expect(await esp.waitFor(/^PW-UNCONFIGURED/, 'unconfigured line')).toBe('PW-UNCONFIGURED pw.cfg: missing');
  });

  it('boots a valid serial node: hello with the config hash, first readings and a heartbeat', async () => {
    const config = JSON.stringify({
      id: 'boot-1',
      key: '00112233445566778899aabbccddeeff',
      link: { kind: 'serial' },
      channels: [{ name: 'smoke', kind: 'analog' }],
    });
    const esp = await start(config);
    const hb = await esp.waitFor(/"kind":"heartbeat"/, 'heartbeat on the console');
    const hello = consoleFrame(esp.lines.find((l) => l.includes('"kind":"hello"')) ?? '');
    expect(hello).toMatchObject({ node: 'boot-1', boot: 1, kind: 'hello', d: { chs: ['smoke'] } });
    expect(consoleFrame(hb)).toMatchObject({ node: 'boot-1', boot: 1, kind: 'heartbeat' });
    expect(esp.output()).not.toMatch(/Uncaught|PW-UNCONFIGURED/);
  });
});
