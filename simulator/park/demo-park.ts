import { join } from 'node:path';
import { DirectIngest } from '../../gateway/direct-ingest.ts';
import type { NodeInput } from '../../gateway/store/registry.ts';
import { encodeFrame, FrameDecoder } from '../../protocol/framing.ts';
import { FolderStorage } from '../board/folder-storage.ts';
import { CapturedUart } from '../board/links.ts';
import { DEFAULT_DATA } from '../eval/eval-cli.ts';
import type { FirmwareScript } from '../firmware-script.ts';
import { type InputSpec, resolveInput } from '../node/inputs.ts';
import { SimNode } from '../node/sim-node.ts';
import { derivedKey } from '../scenario/node-setup.ts';
import { VirtualClock } from '../virtual-clock.ts';

/**
 * A small simulated park for `parkwatch start` (`npm start`): nodes
 * running the firmware in real time, attached to a running gateway through its DirectIngest
 * (frames go through the full verify -> decide -> store path). One node replays a real NIST
 * fire about a minute after start; one has steam puffs that must not alarm; a pump room floods
 * after three minutes. Each node keeps its flash (config, boot counter) in a folder, as a board
 * keeps it across power cycles: a second run boots them with the next boot counter, which the
 * gateway's replay check expects (a node whose counter starts again at 1 is refused).
 */
interface DemoNode {
  id: string;
  zone: string;
  location: string;
  channel: { name: string; kind: 'analog' | 'contact' };
  input: InputSpec;
}

const DEMO_NODES: DemoNode[] = [
  {
    id: 'demo-fire',
    zone: '电芯车间 / cell hall',
    location: 'B 区 3 号柱 / bay B, column 3',
    channel: { name: 'smoke', kind: 'analog' },
    // NIST SDC02 chair fire, the smoke at station D (the Ion1D alarm's); ignition 16 s into the recording
    input: { nist: { test: 'SDC02', column: 'Ion1D' }, atS: 10 },
  },
  {
    id: 'demo-office',
    zone: '办公楼 / offices',
    location: '2 楼会议室 / 2F meeting room',
    channel: { name: 'smoke', kind: 'analog' },
    input: { generate: { seed: 2, durationS: 86400, parts: [{ type: 'noise', sigma: 0.004 }] } },
  },
  {
    id: 'demo-canteen',
    zone: '食堂 / canteen',
    location: '厨房 / kitchen',
    channel: { name: 'smoke', kind: 'analog' },
    input: {
      generate: {
        seed: 3,
        durationS: 86400,
        parts: [
          { type: 'noise', sigma: 0.004 },
          { type: 'spikes', meanEveryS: 120, height: 0.4, widthS: 5 },
        ],
      },
    },
  },
  {
    id: 'demo-pump',
    zone: '泵房 / pump room',
    location: '地下一层 / B1',
    channel: { name: 'water', kind: 'contact' },
    input: {
      generate: { seed: 4, durationS: 86400, parts: [{ type: 'leak', startS: 180, bounces: 4, bounceMs: 300 }] },
    },
  },
];

const PACE_MS = 50;

export class DemoPark {
  readonly ingest = new DirectIngest();
  private clock = new VirtualClock(0);
  private nodes: SimNode[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(private fw: FirmwareScript) {}

  /** What to register in the gateway before `start`. */
  registry(): NodeInput[] {
    return DEMO_NODES.map((n) => ({
      id: n.id,
      keyHex: derivedKey(n.id),
      enterprise: '示范电池厂 / Demo Battery Works',
      site: '园区 A 栋 / building A',
      zone: n.zone,
      location: n.location,
      channels: [n.channel.name],
      installedBy: 'simulator',
    }));
  }

  /**
   * Powers the nodes on, their flash in `flashDir/<node id>/`. `speed`: simulated ms per wall-clock
   * ms (1 for the demo; tests run it faster).
   */
  start(flashDir: string, speed = 1): void {
    const t0 = Date.now();
    for (const n of DEMO_NODES) {
      let uart: CapturedUart | undefined;
      const decoder = new FrameDecoder({ frame: (payload) => this.ingest.push(payload), reject: () => {} });
      uart = new CapturedUart((data) => decoder.push(data));
      this.ingest.attach(n.id, (wire) => uart?.push(encodeFrame(wire)));
      const node = new SimNode({
        config: { id: n.id, key: derivedKey(n.id), link: { kind: 'serial' }, channels: [n.channel] },
        inputs: { [n.channel.name]: resolveInput(n.input, { dataDir: DEFAULT_DATA, baseDir: '.' }) },
        fw: this.fw,
        clock: this.clock,
        uart,
        storage: new FolderStorage(join(flashDir, n.id)),
      });
      this.nodes.push(node);
      node.board.powerOn();
    }
    this.timer = setInterval(() => this.clock.runUntil((Date.now() - t0) * speed), PACE_MS);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    for (const n of this.nodes) n.board.powerCut();
  }

  describe(): string[] {
    return [
      '模拟园区 / simulated park (firmware in vm, real time):',
      '  demo-fire     NIST SDC02 chair fire (Ion1D), alarm about 1 min after start',
      '  demo-office   clean air',
      '  demo-canteen  steam puffs shorter than the verification time: no alarm',
      '  demo-pump     water leak on a probe after 3 min',
    ];
  }
}
