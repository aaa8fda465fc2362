import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FolderStorage } from '../../simulator/board/folder-storage.ts';
import { VirtualBoard } from '../../simulator/board/virtual-board.ts';
import { VirtualClock } from '../../simulator/virtual-clock.ts';

/** A tiny Espruino script that exercises the globals the VirtualBoard provides. */
const PROBE = `
var boots = parseInt(require('Storage').read('boots') || '0', 10) + 1;
require('Storage').write('boots', String(boots));
E.on('init', function () {
  console.log('boot ' + boots + ' t=' + getTime());
  setInterval(function () { console.log('adc ' + analogRead('D34').toFixed(4)); }, 1000);
  setWatch(function (e) { console.log('edge ' + (e.state ? 1 : 0) + ' at ' + e.time.toFixed(3)); },
    'D0', { repeat: true, edge: 'both', debounce: 50 });
  var h = E.toString(require('crypto').SHA256('abc'));
  console.log('sha ' + h.length + ' ' + h.charCodeAt(0));
  if (boots === 1) {
    E.enableWatchdog(5, false);
    setTimeout(function () { throw new Error('probe failure'); }, 1500);
  }
});`;
const probe = VirtualBoard.compile(PROBE, 'probe.js');

/** `press`: [down, up] ms; the contact bounces for 10 ms after it goes down */
function makeBoard(press?: [number, number], storage?: Map<string, string>) {
  const clock = new VirtualClock(0);
  const lines: string[] = [];
  const level = (t: number) => {
    if (!press) return 1;
    const [down, up] = press;
    if (t >= down && t < down + 10) return Math.floor(t) % 2;
    return t >= down && t < up ? 0 : 1;
  };
  const edgesMs = press ? [...Array.from({ length: 11 }, (_, i) => press[0] + i), press[1]] : [];
  const board = new VirtualBoard({
    name: 'probe',
    script: probe,
    clock,
    feeds: {
      analog: { D34: (t) => 0.25 + t / 1e7 },
      digital: { D0: { level, edgesMs } },
    },
    onConsole: (l, t) => lines.push(`${t} ${l}`),
    storage,
  });
  return { clock, board, lines };
}

describe('VirtualBoard', () => {
  it('runs a script on E.on("init"), with timers on the virtual clock and a 12-bit ADC', () => {
    const { clock, board, lines } = makeBoard();
    board.powerOn();
    clock.runUntil(3000);
    expect(lines[0]).toBe('0 boot 1 t=0');
    expect(lines).toContain('1000 adc 0.2501');
    expect(lines.find((l) => l.startsWith('0 sha'))).toBe('0 sha 32 186');
  });

  it('records an uncaught error and carries on, as Espruino does', () => {
    const { clock, board, lines } = makeBoard();
    board.powerOn();
    clock.runUntil(3000);
    expect(board.errors[0]?.message).toMatch(/probe failure/);
    expect(lines.some((l) => l.startsWith('3000 adc'))).toBe(true);
  });

  it('reboots through the watchdog when the script stops kicking it; Storage survives', () => {
    const { clock, board, lines } = makeBoard();
    board.powerOn();
    clock.runUntil(6000);
    expect(board.boots).toBe(2);
    expect(lines).toContain('5000 boot 2 t=0');
    expect(board.storage.get('boots')).toBe('2');
  });

  it('drops every timer on a power cut and starts from scratch on power-on', () => {
    const { clock, board, lines } = makeBoard();
    board.powerOn();
    clock.runUntil(2500);
    board.powerCut();
    const before = lines.length;
    clock.runUntil(10000);
    expect(lines.length).toBe(before);
    board.powerOn();
    expect(lines.slice(before)[0]).toBe('10000 boot 2 t=0');
  });

  it('debounces a bouncing input before setWatch sees it', () => {
    const { clock, board, lines } = makeBoard([2000, 2500]);
    // the last bounce is at 2010 ms: pressed is reported 50 ms later, released 50 ms after 2500;
    // e.time is the edge's time, as on Espruino (the timeout's time minus the debounce)
    board.powerOn();
    clock.runUntil(3000);
    const edges = lines.filter((l) => l.includes('edge'));
    expect(edges).toEqual(['2060 edge 0 at 2.010', '2550 edge 1 at 2.500']);
  });

  it('hands the same module object to every require(), as Espruino does', () => {
    const script = VirtualBoard.compile(
      `E.on('init', function () {
        console.log('same ' + ['Wifi', 'net', 'Storage', 'crypto'].map(function (m) { return require(m) === require(m); }).join());
        require('Wifi').on('connected', function () { console.log('wifi up'); });
        require('Wifi').connect('ap', { password: 'x' }, function () {});
      });`,
      'require-probe.js',
    );
    const clock = new VirtualClock(0);
    const lines: string[] = [];
    const board = new VirtualBoard({
      name: 'require-probe',
      script,
      clock,
      feeds: { analog: {}, digital: {} },
      onConsole: (l, t) => lines.push(`${t} ${l}`),
    });
    board.powerOn();
    clock.runUntil(2000);
    expect(lines).toEqual(['0 same true,true,true,true', '1500 wifi up']);
  });

  it('keeps Storage in a folder across boards when asked to', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pw-storage-'));
    const first = makeBoard(undefined, new FolderStorage(dir));
    first.board.powerOn();
    expect(readFileSync(join(dir, 'boots'), 'latin1')).toBe('1');
    const second = makeBoard(undefined, new FolderStorage(dir));
    second.board.powerOn();
    expect(second.lines[0]).toBe('0 boot 2 t=0');
  });
});
