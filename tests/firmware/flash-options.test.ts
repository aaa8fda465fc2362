import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { UsageError } from '../../errors/usage-error.ts';
import { XonXoffGate } from '../../firmware/flash/flow-control.ts';
import { parseFlashArgs } from '../../firmware/flash/options.ts';
import { parseTcpPort } from '../../firmware/flash/port-device.ts';
import { requiredModules } from '../../firmware/flash/upload-plan.ts';

describe('parkwatch flash arguments', () => {
  it('fills in the defaults', () => {
    expect(parseFlashArgs(['--port', '/dev/ttyUSB0', '--node', 'n.json'])).toEqual({
      port: '/dev/ttyUSB0',
      node: 'n.json',
      // from the package, wherever flash runs
      script: join(import.meta.dirname, '..', '..', 'firmware', 'dist', 'parkwatch-node.js'),
      timeoutS: 30,
      baud: 115200,
      dryRun: false,
      fast: false,
      verbose: false,
    });
  });

  it('takes a dry run without a port', () => {
    const o = parseFlashArgs(['--node', 'n.json', '--dry-run', '--out', 'x.bin', '--timeout', '5']);
    expect(o.dryRun).toBe(true);
    expect(o.out).toBe('x.bin');
    expect(o.timeoutS).toBe(5);
  });

  it.each([
    [['--port', '/dev/ttyUSB0'], '--node'],
    [['--node', 'n.json'], '--port'],
    [['--node', 'n.json', '--dry-run'], '--out'],
    [['--node', 'n.json', '--port', 'p', '--out', 'x'], '--dry-run'],
    [['--node', 'n.json', '--port', 'p', '--timeout', 'soon'], '--timeout'],
    [['--node', 'n.json', '--port', 'p', '--timeout', '-1'], '--timeout'],
    [['--node', 'n.json', '--port'], '--port'],
    [['--node', 'n.json', '--port', 'p', '--force'], '--force'],
  ])('refuses %j, naming %s', (args, flag) => {
    expect(() => parseFlashArgs(args)).toThrow(UsageError);
    expect(() => parseFlashArgs(args)).toThrow(flag);
  });
});

describe('tcp:// ports', () => {
  it('defaults to the telnet port 23', () => {
    expect(parseTcpPort('tcp://192.168.1.50')).toEqual({ host: '192.168.1.50', port: 23 });
    expect(parseTcpPort('tcp://node7.local:2323')).toEqual({ host: 'node7.local', port: 2323 });
  });

  it('refuses a port number that is not one', () => {
    expect(() => parseTcpPort('tcp://10.0.0.1:99999')).toThrow('bad network port tcp://10.0.0.1:99999');
    expect(() => parseTcpPort('tcp://:23')).toThrow();
  });
});

describe('modules a script requires', () => {
  it('finds each require("...") once, sorted', () => {
    const script = 'var s=require("Storage"),w=require(\'Wifi\');require( "net" );require("Storage").read("x")';
    expect(requiredModules(script)).toEqual(['Storage', 'Wifi', 'net']);
  });
});

describe('XON/XOFF gate', () => {
  it('holds writes from XOFF to XON, in order', () => {
    const gate = new XonXoffGate();
    const done: number[] = [];
    gate.observe(Uint8Array.of(0x3e, 0x13));
    gate.whenOpen(() => done.push(1));
    gate.whenOpen(() => done.push(2));
    expect(done).toEqual([]);
    gate.observe(Uint8Array.of(0x11));
    expect(done).toEqual([1, 2]);
    gate.whenOpen(() => done.push(3));
    expect(done).toEqual([1, 2, 3]);
  });

  it('the last flow byte in a chunk wins', () => {
    const gate = new XonXoffGate();
    gate.observe(Uint8Array.of(0x13, 0x11));
    expect(gate.isPaused).toBe(false);
    gate.observe(Uint8Array.of(0x11, 0x13));
    expect(gate.isPaused).toBe(true);
    gate.clear();
  });

  it('a lost XON does not stall the upload forever', () => {
    vi.useFakeTimers();
    try {
      const gate = new XonXoffGate(10_000);
      let written = false;
      gate.observe(Uint8Array.of(0x13));
      gate.whenOpen(() => {
        written = true;
      });
      vi.advanceTimersByTime(9_999);
      expect(written).toBe(false);
      vi.advanceTimersByTime(1);
      expect(written).toBe(true);
    } finally {
      vi.useRealTimers();
    }
  });
});
