import { describe, expect, it } from 'vitest';
import { UsageError } from '../../cli/command.ts';
import { parseFlashArgs } from '../../firmware/flash/options.ts';
import { parseTcpPort } from '../../firmware/flash/port-device.ts';
import { requiredModules } from '../../firmware/flash/upload-plan.ts';

describe('parkwatch flash arguments', () => {
  it('fills in the defaults', () => {
    expect(parseFlashArgs(['--port', '/dev/ttyUSB0', '--node', 'n.json'])).toEqual({
      port: '/dev/ttyUSB0',
      node: 'n.json',
      script: 'firmware/dist/parkwatch-node.js',
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
