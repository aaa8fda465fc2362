/**
 * Prints how fast the simulator runs the compiled firmware: one node for one virtual hour on a
 * serial capture (no broker), and a park of nodes for one virtual hour in in-process mode
 * (aedes in the process, MQTT between firmware and broker). Figures only; no assertions.
 *
 *   npx tsx simulator/bench/firmware-speed.ts [nodes]
 */
import { observeNode } from '../eval/observe-node.ts';
import { loadFirmwareScript } from '../firmware-script.ts';
import { runInProcess } from '../inprocess/world.ts';
import { resolveInput } from '../node/inputs.ts';
import { ScenarioSchema } from '../scenario/schema.ts';

const HOUR_S = 3600;
const fw = await loadFirmwareScript();
const smoke = resolveInput(
  {
    generate: {
      seed: 1,
      durationS: HOUR_S,
      parts: [
        { type: 'noise', sigma: 0.004 },
        { type: 'drift', perHour: 0.01 },
      ],
    },
  },
  { dataDir: '.', baseDir: '.' },
);
let t = performance.now();
const run = observeNode({
  fw,
  config: {
    id: 'speed',
    key: '00112233445566778899aabbccddeeff',
    link: { kind: 'serial' },
    channels: [{ name: 'smoke', kind: 'analog' }],
  },
  inputs: { smoke },
  durationMs: HOUR_S * 1000,
});
console.log(
  `1 node, 1 h of trace, serial capture: ${(performance.now() - t).toFixed(0)} ms wall, ${run.messages.length} messages`,
);

const n = Number(process.argv[2] ?? 10);
const scenario = ScenarioSchema.parse({
  name: 'speed',
  durationS: HOUR_S,
  nodes: Array.from({ length: n }, (_, i) => ({
    id: `n${i}`,
    link: 'mqtt',
    inputs: { smoke: { generate: { seed: i, durationS: HOUR_S, parts: [{ type: 'noise', sigma: 0.004 }] } } },
  })),
  expect: [{ expect: 'all_delivered' }],
});
t = performance.now();
const tl = await runInProcess(scenario, { file: 'speed.yaml', dataDir: '.', fw });
console.log(
  `${n} nodes, 1 h, in-process MQTT: ${(performance.now() - t).toFixed(0)} ms wall, ${tl.entries.length} messages at the gateway`,
);
