import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { FrameDecoder } from '../../protocol/framing.ts';
import { KEY, NodeHarness, nodeConfig } from './support/node-harness.ts';

/** Durations between successive level changes of an output in [from, to). */
function rhythm(h: NodeHarness, pin: string, from: number, to: number): number[] {
  const c = h.board.changes(pin, from, to);
  const out: number[] = [];
  for (let i = 1; i < c.length; i++) out.push(c[i][0] - c[i - 1][0]);
  return out;
}

/** True when `r` is a run of `pattern` repeated, starting anywhere in it. */
function isCycleOf(r: number[], pattern: number[]): boolean {
  for (let start = 0; start < pattern.length; start++) {
    if (r.every((ms, i) => ms === pattern[(start + i) % pattern.length])) return true;
  }
  return false;
}

/** Drives the smoke channel into alarm: 400 mdB/m until verified. */
function intoAlarm(h: NodeHarness) {
  h.smoke(400);
  h.advance(12_000);
  expect(h.state(0)).toBe('alarm');
}

describe('node boot', () => {
  it('prints hello, one reading per channel and a heartbeat as signed frames on the console', () => {
    const h = new NodeHarness().boot();
    const frames: string[] = [];
    const d = new FrameDecoder({ frame: (p) => frames.push(p), reject: () => {} });
    for (const line of h.board.logs) d.push(line + '\r\n');
    expect(frames).toHaveLength(4);
    const msgs = frames.map((f) => JSON.parse(f));
    expect(msgs.map((m) => [m.kind, m.ch, m.seq])).toEqual([
      ['hello', '', 1],
      ['telemetry', 'smoke', 2],
      ['telemetry', 'water', 3],
      ['heartbeat', '', 4],
    ]);
    const text = h.board.files['pw.cfg'];
    expect(msgs[0].d).toEqual({
      fw: '0.1.0',
      fwh: 'ab'.repeat(32),
      cfh: createHash('sha256').update(text).digest('hex'),
      rst: 'power',
      chs: ['smoke', 'water'],
    });
    expect(msgs[1].d).toEqual({ v: 0, b: 0, st: 'normal' });
    expect(msgs[3].d).toMatchObject({ bat: 4000, rssi: 0, mem: 2500, ivl: 30 });
    // the same messages also went out on the link, valid against the gateway schema
    expect(h.kinds()).toEqual(['hello', 'telemetry', 'telemetry', 'heartbeat']);
  });

  it('keeps a boot counter in Storage, starts the watchdog and kicks it every second', () => {
    const h = new NodeHarness().boot();
    expect(h.booted.boot).toBe(1);
    h.advance(10_000);
    expect(h.board.watchdogS).toBe(10);
    expect(h.board.watchdogKicks).toBe(10);
    const again = new NodeHarness(undefined, h.board);
    expect(again.boot().booted.boot).toBe(2);
    expect(h.board.files['pw.boot']).toBe('2');
  });

  it('sends a heartbeat every 30 s with battery, signal and free memory', () => {
    const h = new NodeHarness().boot();
    h.take();
    h.board.memory = 1800;
    h.advance(90_000);
    const beats = h.take().filter((r) => r.m.kind === 'heartbeat');
    expect(beats).toHaveLength(3);
    expect(beats[2].m.d).toEqual({ bat: 4000, rssi: 0, mem: 1800, ivl: 30 });
  });
});

describe('alarm, hush and test', () => {
  it('alarm: signed alarm event, temporal-three fire sound and fast LED', () => {
    const h = new NodeHarness().boot();
    h.take();
    const t0 = h.now;
    intoAlarm(h);
    const alarm = h.take().find((r) => r.m.kind === 'alarm');
    expect(alarm?.m).toMatchObject({ ch: 'smoke', d: { th: 150, src: 'smoke' } });
    const start = h.now;
    h.advance(8000);
    const fire = rhythm(h, 'sounder', start, h.now);
    expect(fire.length).toBeGreaterThanOrEqual(6);
    expect(isCycleOf(fire, [500, 500, 500, 500, 500, 1500])).toBe(true);
    expect(rhythm(h, 'sounder', t0, start).length).toBeGreaterThan(0);
    expect(rhythm(h, 'led', start, h.now).every((ms) => ms === 100)).toBe(true);
  });

  it('button during an alarm hushes it (sounder off, hush event), and the alarm sounds again when the hush expires', () => {
    const h = new NodeHarness().boot();
    intoAlarm(h);
    h.take();
    h.board.press();
    const hush = h.take().find((r) => r.m.kind === 'hush');
    expect(hush?.m).toMatchObject({ ch: 'smoke', d: { by: 'button' } });
    expect((hush!.m.d as { until: number }).until).toBe(h.now - 200 + 600_000);
    expect(h.state(0)).toBe('hushed');
    const from = h.now;
    h.advance(599_000 - 200);
    expect(h.board.changes('sounder', from, h.now)).toEqual([]);
    h.advance(2000);
    expect(h.state(0)).toBe('alarm');
    expect(h.board.changes('sounder', h.now - 1000, h.now).length).toBeGreaterThan(0);
  });

  it('a hushed alarm sounds again at once when the smoke rises further', () => {
    const h = new NodeHarness().boot();
    intoAlarm(h);
    h.board.press();
    h.take();
    h.smoke(460); // +60: less than half the alarm threshold over the hushed reading
    h.advance(5000);
    expect(h.state(0)).toBe('hushed');
    h.smoke(500); // +100 over 400
    h.advance(3000);
    expect(h.state(0)).toBe('alarm');
    const again = h.take().filter((r) => r.m.kind === 'alarm');
    expect(again).toHaveLength(1);
    expect(again[0].m.d).toMatchObject({ v: 500 });
  });

  it('short press when all is normal runs the self test: its own sound, a test event, not an alarm', () => {
    const h = new NodeHarness().boot();
    h.advance(1000);
    h.take();
    h.board.press();
    const from = h.now - 200;
    const msgs = h.take();
    expect(msgs.map((r) => r.m.kind)).toEqual(['test']);
    expect(msgs[0].m.d).toEqual({ by: 'button', ok: true });
    expect(h.state(0)).toBe('test');
    h.advance(4000);
    expect(rhythm(h, 'sounder', from, h.now).slice(0, 4)).toEqual([150, 350, 150, 350]);
    expect(isCycleOf(rhythm(h, 'sounder', from, h.now), [500, 500, 500, 500, 500, 1500])).toBe(false);
    expect(h.state(0)).toBe('normal');
  });

  it('a latched water alarm is reset by the button once the probe is dry', () => {
    const h = new NodeHarness().boot();
    h.board.setDigital('water', 0);
    h.advance(4000);
    h.board.press(); // still wet: the press hushes
    expect(h.state(1)).toBe('hushed');
    h.board.setDigital('water', 1);
    h.advance(60_000);
    expect(h.state(1)).toBe('hushed');
    h.board.press();
    expect(h.state(1)).toBe('normal');
    expect(h.kinds().filter((k) => k !== 'heartbeat' && k !== 'telemetry')).toEqual([
      'hello',
      'alarm',
      'hush',
      'clear',
    ]);
  });

  it('reset command: the water alarm says it latches, a wet probe refuses, a dry one waits in the heartbeat and clears', () => {
    const h = new NodeHarness().boot();
    h.take();
    h.board.setDigital('water', 0);
    h.advance(4000);
    const alarm = h.take().find((r) => r.m.kind === 'alarm');
    expect(alarm?.m).toMatchObject({ ch: 'water', d: { src: 'water', latch: true } });
    const wet = h.command('reset', { ch: 'water' });
    expect(h.take().find((r) => r.m.kind === 'ack')?.m.d).toEqual({ cmd: wet, ok: false, err: 'input active' });
    expect(h.state(1)).toBe('alarm');
    // dry: still latched, and the heartbeat says it waits for a reset
    h.board.setDigital('water', 1);
    h.advance(60_000);
    const beats = h.take().filter((r) => r.m.kind === 'heartbeat');
    expect(beats.at(-1)?.m.d).toMatchObject({ lat: ['water'] });
    expect(h.state(1)).toBe('alarm');
    const dry = h.command('reset', { ch: '*' });
    const after = h.take();
    expect(after.map((r) => r.m.kind)).toEqual(['clear', 'ack']);
    expect(after[1]?.m.d).toEqual({ cmd: dry, ok: true });
    expect(h.state(1)).toBe('normal');
    h.advance(30_000);
    expect(
      h
        .take()
        .filter((r) => r.m.kind === 'heartbeat')
        .at(-1)?.m.d,
    ).not.toHaveProperty('lat');
    const none = h.command('reset', { ch: 'water' });
    expect(h.take().find((r) => r.m.kind === 'ack')?.m.d).toEqual({ cmd: none, ok: false, err: 'no alarm' });
  });

  it('low battery is a trouble with a chirp, not the fire sound', () => {
    const h = new NodeHarness(nodeConfig({ battery: { everyS: 60 } })).boot();
    h.take();
    h.board.analog['battery'] = 3300 / 6600;
    h.advance(61_000);
    const trouble = h.take().find((r) => r.m.kind === 'trouble');
    expect(trouble?.m.d).toEqual({ code: 'battery_low', v: 3300 });
    const from = h.now;
    h.advance(100_000);
    const chirp = rhythm(h, 'sounder', from, h.now);
    expect(chirp.length).toBeGreaterThanOrEqual(3);
    expect(isCycleOf(chirp, [100, 44_900])).toBe(true);
    expect(h.state(0)).toBe('normal');
  });
});

describe('tamper', () => {
  it('opening the case is a tamper trouble with the trouble chirp; closing it clears', () => {
    const h = new NodeHarness(nodeConfig({ tamper: {} })).boot();
    h.board.setDigital('tamper', 0); // closed case: the switch pulls the input low
    h.advance(1000);
    h.take();
    h.board.setDigital('tamper', 1);
    expect(h.take().map((r) => [r.m.kind, r.m.d])).toEqual([['trouble', { code: 'tamper', v: 1 }]]);
    const from = h.now;
    h.advance(50_000);
    expect(rhythm(h, 'sounder', from, h.now)).toEqual([100, 44_900, 100]);
    h.take();
    h.board.setDigital('tamper', 0);
    expect(h.take().map((r) => [r.m.kind, r.m.d])).toEqual([['trouble_clear', { code: 'tamper' }]]);
  });
});

describe('events until acknowledged', () => {
  it('re-sends an event every 5 s with the same seq until event_ack, then stops', () => {
    const h = new NodeHarness().boot();
    const hello = h.take()[0];
    h.advance(12_000);
    const resent = h.take(true).filter((r) => r.m.kind === 'hello');
    expect(resent.length).toBe(2);
    expect(resent.every((r) => r.m.seq === hello.m.seq)).toBe(true);
    expect(resent[1].m.age).toBeGreaterThan(resent[0].m.age);
    h.command('event_ack', { seqs: [1] });
    h.advance(20_000);
    expect(h.take(true).filter((r) => r.m.kind === 'hello')).toEqual([]);
    expect(h.booted.messenger!.ring.due(Number.MAX_SAFE_INTEGER)).toEqual([]);
  });
});

describe('commands', () => {
  it('answers hush, silence and test with ack; refuses a bad signature, another boot and a replay', () => {
    const h = new NodeHarness().boot();
    h.command('event_ack', { seqs: [1] });
    intoAlarm(h);
    h.take();
    const seq = h.command('hush', { ch: 'smoke', s: 120 });
    const acks = h.take().filter((r) => r.m.kind === 'ack' || r.m.kind === 'hush');
    expect(acks.map((r) => r.m.kind)).toEqual(['hush', 'ack']);
    expect(acks[1].m.d).toEqual({ cmd: seq, ok: true });
    h.advance(121_000);
    expect(h.state(0)).toBe('alarm');

    h.command('silence', { s: 60 });
    const from = h.now;
    h.advance(59_000);
    expect(h.board.changes('sounder', from + 1, h.now)).toEqual([]);

    h.command('hush', { ch: 'smoke', s: 60 }, { key: 'ff'.repeat(32) });
    h.command('hush', { ch: 'smoke', s: 60 }, { boot: 99 });
    h.command('hush', { ch: 'smoke', s: 60 }, { seq: 5 });
    expect(h.board.logs.filter((l) => l.startsWith('PW-REJECT'))).toEqual([
      'PW-REJECT signature',
      'PW-REJECT boot',
      'PW-REJECT replay',
    ]);
    const refused = h.take().filter((r) => r.m.kind === 'ack');
    expect(refused.map((r) => r.m.d)).toEqual([
      { cmd: 103, ok: true }, // the silence
      { cmd: 105, ok: false, err: 'boot' },
    ]);
  });

  it('test command: test event and ack; refused during an alarm', () => {
    const h = new NodeHarness().boot();
    h.take();
    const seq = h.command('test', {});
    const msgs = h.take();
    expect(msgs.map((r) => r.m.kind)).toEqual(['test', 'ack']);
    expect(msgs[0].m.d).toEqual({ by: 'command', ok: true });
    expect(msgs[1].m.d).toEqual({ cmd: seq, ok: true });
    intoAlarm(h);
    h.take();
    h.command('test', {});
    expect(h.take().find((r) => r.m.kind === 'ack')?.m.d).toMatchObject({ ok: false, err: 'in alarm' });
  });

  it('set_config: a valid config is stored and the node reboots; a bad one is refused with the reason', () => {
    const h = new NodeHarness().boot();
    h.take();
    const bad = nodeConfig({ channels: [{ name: 'smoke', kind: 'analog', pre: 500, alarm: 100 }] });
    h.command('set_config', { cfg: bad });
    expect(h.take().find((r) => r.m.kind === 'ack')?.m.d).toEqual({
      cmd: 101,
      ok: false,
      err: 'channels[0].pre: must not be above alarm',
    });
    const good = nodeConfig({ heartbeatS: 60 });
    h.command('set_config', { cfg: good });
    expect(h.take().find((r) => r.m.kind === 'ack')?.m.d).toEqual({ cmd: 102, ok: true });
    expect(JSON.parse(h.board.files['pw.cfg']).heartbeatS).toBe(60);
    expect(h.board.reboots).toBe(0);
    h.advance(3000);
    expect(h.board.reboots).toBe(1);
  });

  it('reboot command: ack, then reboot', () => {
    const h = new NodeHarness().boot();
    h.command('reboot', {});
    expect(h.take().find((r) => r.m.kind === 'ack')?.m.d).toEqual({ cmd: 101, ok: true });
    h.advance(3000);
    expect(h.board.reboots).toBe(1);
  });

  it('drops noise and broken frames on the UART and still takes the next good command', () => {
    const h = new NodeHarness().boot();
    h.take();
    h.board.uartIn('>garbage\r\n@PW{"half":');
    h.board.uartIn('@PW{}*0000\n');
    h.command('test', {});
    expect(h.kinds()).toContain('ack');
  });
});

describe('unconfigured', () => {
  it('no config file: says why on the console, blinks the unconfigured pattern, does not crash', () => {
    const h = new NodeHarness(null).boot();
    expect(h.board.logs).toEqual(['PW-UNCONFIGURED pw.cfg: missing']);
    h.advance(4000);
    expect(rhythm(h, 'led', 0, 2000)).toEqual([100, 100, 100, 100, 100]);
    expect(h.board.watchdogKicks).toBeGreaterThan(0);
  });

  it('not JSON, or wrong fields: the reason names the file or the field', () => {
    expect(new NodeHarness('{oops').boot().board.logs[0]).toBe('PW-UNCONFIGURED pw.cfg: not JSON');
    const h = new NodeHarness(nodeConfig({ channels: [{ name: 'smoke', kind: 'analog', pin: 'nowhere' }] })).boot();
    expect(h.board.logs[0]).toBe('PW-UNCONFIGURED channels[0].pin: no pin named "nowhere" in pins');
  });

  it('with a good id, key and link it reports the trouble and can be fixed by set_config', () => {
    const h = new NodeHarness(nodeConfig({ channels: [] })).boot();
    const msgs = h.take();
    expect(msgs.map((r) => [r.m.kind, r.m.d])).toEqual([['trouble', { code: 'unconfigured' }]]);
    h.command('set_config', { cfg: nodeConfig() });
    expect(h.take().find((r) => r.m.kind === 'ack')?.m.d).toEqual({ cmd: 101, ok: true });
    h.advance(3000);
    expect(h.board.reboots).toBe(1);
    expect(JSON.parse(h.board.files['pw.cfg']).channels).toHaveLength(2);
    expect(KEY).toHaveLength(64);
  });
});
