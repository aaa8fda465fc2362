import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseConfig } from '../../firmware/config.ts';
import { NodeConfigSchema } from '../../firmware/node-config-schema.ts';
import { describeOnEspruino } from './harness/espruino-bin.ts';
import { Interpreter } from './harness/interpreter.ts';
import { nodeScript } from './harness/node-script.ts';

/**
 * One table of node files, judged three ways with the same verdicts: the firmware's validator in
 * Node (V8), the zod schema the flash and the gateway use, and the built script booting on the real
 * interpreter (which prints `PW-UNCONFIGURED <field path>: <why>` or says hello). The interpreter
 * error text must be the V8 one, character for character: Espruino's regex, JSON and string
 * built-ins are the ones that differ.
 */
const KEY = '00112233445566778899aabbccddeeff';
const base = {
  id: 'fab3-smoke-07',
  key: KEY,
  link: { kind: 'serial' },
  channels: [{ name: 'smoke', kind: 'analog' }],
};
const mqtt = { kind: 'mqtt', ssid: 'park-iot', pass: 'x', host: '192.168.10.2', port: 1 };
const ROWS: [string, Record<string, unknown>][] = [
  [
    'the node.json of docs/installing.md',
    {
      ...base,
      link: mqtt,
      channels: [
        { name: 'smoke', kind: 'analog' },
        { name: 'water', kind: 'contact' },
      ],
      battery: {},
    },
  ],
  ['a 32-character id, a 128-character key', { ...base, id: 'A'.repeat(32), key: 'aB'.repeat(64) }],
  ['a Chinese SSID and password', { ...base, link: { ...mqtt, ssid: '园区物联网-3F', pass: '密码-é' } }],
  ['a 64-character host name', { ...base, link: { ...mqtt, host: `${'a'.repeat(60)}.lan` } }],
  ['serial on Serial1 with pins', { ...base, link: { kind: 'serial', uart: 'Serial1', rx: 'D16', tx: 'D17' } }],
  [
    'a 16-character channel name, a 6-character pin',
    { ...base, pins: { probe: 'D3AB45' }, channels: [{ name: 'water_probe_b2_x', kind: 'contact', pin: 'probe' }] },
  ],
  ['a 33-character id', { ...base, id: 'A'.repeat(33) }],
  ['an empty id', { ...base, id: '' }],
  ['an id with a space', { ...base, id: 'fab3 smoke' }],
  ['a 31-character key', { ...base, key: 'a'.repeat(31) }],
  ['a 129-character key', { ...base, key: 'a'.repeat(129) }],
  ['a key that is not hex', { ...base, key: 'g'.repeat(32) }],
  ['a host with an underscore', { ...base, link: { ...mqtt, host: 'gw_1.lan' } }],
  ['a 65-character host', { ...base, link: { ...mqtt, host: 'a'.repeat(65) } }],
  ['a 33-character SSID', { ...base, link: { ...mqtt, ssid: 's'.repeat(33) } }],
  ['Serial4', { ...base, link: { kind: 'serial', uart: 'Serial4' } }],
  ['a lower-case pin name', { ...base, pins: { smoke: 'd34' } }],
  ['a 7-character pin name', { ...base, pins: { smoke: 'D123456' } }],
  ['a 17-character channel name', { ...base, channels: [{ name: 'a'.repeat(17), kind: 'analog' }] }],
  ['a channel name in capitals', { ...base, channels: [{ name: 'Smoke', kind: 'analog' }] }],
  ['a median of 2', { ...base, channels: [{ name: 'smoke', kind: 'analog', median: 2 }] }],
  ['pre-alarm above alarm', { ...base, channels: [{ name: 'smoke', kind: 'analog', pre: 200, alarm: 150 }] }],
  ['no link', { id: 'n1', key: KEY, channels: base.channels }],
];

let esp: Interpreter;
beforeAll(async () => {
  esp = await Interpreter.start({ script: await nodeScript() });
  await esp.waitFor(/^PW-UNCONFIGURED/, 'first boot');
});
afterAll(() => esp?.dispose());

/** Writes the config into Storage and reboots into the script; its verdict is what it prints. */
async function onInterpreter(text: string, row: number): Promise<string> {
  const from = esp.mark();
  esp.type(`print("PW-ROW ${row}"); require("Storage").write("pw.cfg", ${JSON.stringify(text)}); load()`);
  const start = await esp.waitFor((l) => l === `PW-ROW ${row}`, `row ${row}`, from);
  const at = esp.lines.indexOf(start, from);
  const line = await esp.waitFor(
    (l) => l.startsWith('PW-UNCONFIGURED ') || l.includes('"kind":"hello"'),
    `verdict ${row}`,
    at,
  );
  return line.startsWith('PW-UNCONFIGURED ') ? line.slice('PW-UNCONFIGURED '.length) : 'ok';
}

describeOnEspruino('node config: the same verdicts in Node and on the real interpreter', () => {
  it('judges every row alike, with the same field path and reason', async () => {
    const verdicts: string[] = [];
    for (let i = 0; i < ROWS.length; i++) {
      const [name, cfg] = ROWS[i];
      const text = JSON.stringify(cfg);
      const inNode = parseConfig(text);
      const v8 = inNode.ok ? 'ok' : inNode.error;
      const zodOk = NodeConfigSchema.safeParse(cfg).success;
      const onBoard = await onInterpreter(text, i);
      verdicts.push(`${name}: ${onBoard}`);
      expect(onBoard, name).toBe(v8);
      expect(zodOk, `${name} (zod)`).toBe(v8 === 'ok');
    }
    // the table means something: the first six rows are valid, the rest are not
    expect(verdicts.filter((v) => v.endsWith(': ok'))).toHaveLength(6);
  }, 120_000);
});
