import { encodeFrame } from '../../protocol/framing.ts';
import { binaryToHex } from '../../protocol/hmac.ts';
import { BOOT_FILE, CONFIG_FILE, configDefaults, type LinkConfig, parseConfig } from '../config.ts';
import type { Board } from '../hal.ts';
import type { Link, LinkEvents } from '../link/link.ts';
import { mqttLinkClass } from '../link/mqtt-link.ts';
import { serialLinkClass } from '../link/serial-link.ts';
import * as A from './annunciator.ts';
import { Messenger } from './messenger.ts';
import { SensorNode, WATCHDOG_S } from './sensor-node.ts';

export interface Firmware {
  /** version, e.g. "0.1.0" */
  version: string;
  /** hex SHA-256 of the script (firmware/fw-hash.ts) */
  hash: string;
}

/** What a started node exposes to tests and the simulator. */
export interface Booted {
  boot: number;
  node: SensorNode | undefined;
  messenger: Messenger | undefined;
  link: Link | undefined;
}

/**
 * Starts a node on a board: boot counter, config, watchdog, hello, first readings on the
 * console, then the link. A node without a valid config blinks "unconfigured", prints why and,
 * when at least its id, key and link are good, also reports the trouble and accepts set_config.
 *
 * Boot-only code is declared inside: Espruino makes those functions only while booting, and
 * nothing made here is kept by a closure (the link's listener is the Messenger), so they
 * are garbage once the node runs; so are the board's boot-only parts (`board.setup`), deleted
 * once the inputs, outputs and link are made.
 */
export function bootNode(board: Board, fw: Firmware): Booted {
  /** Increments the boot counter in Storage; a missing or broken counter starts again at 1. */
  function nextBoot(): number {
    const n = parseInt(board.storage.read(BOOT_FILE) || '0', 10);
    const boot = isFinite(n) && n > 0 ? n + 1 : 1;
    board.storage.write(BOOT_FILE, String(boot));
    return boot;
  }

  /** Only the configured link's class is made: the other link's code stays in flash. */
  function makeLink(cfg: LinkConfig, id: string, key: string, events: LinkEvents): Link {
    if (cfg.kind === 'mqtt') return new (mqttLinkClass())(cfg, id, key, board, events);
    return new (serialLinkClass())(cfg, board, events);
  }

  /** Identity part of a broken config, when it is good enough to talk to the gateway. */
  function identity(text: string | undefined): { id: string; key: string; link: LinkConfig } | undefined {
    try {
      const o = JSON.parse(text || '');
      // not inside the literal below: Espruino 2v29 lets a throw there escape this try (config.ts)
      if (typeof o !== 'object' || o === null) return undefined;
      const r = parseConfig(
        JSON.stringify({
          id: o.id,
          key: o.key,
          link: o.link,
          channels: [{ name: 'x', kind: 'contact', pin: 'button' }],
        }),
      );
      return r.ok ? { id: r.config.id, key: r.config.key, link: r.config.link } : undefined;
    } catch (_e) {
      return undefined;
    }
  }

  function unconfigured(error: string, text: string | undefined, boot: number, booted: Booted): void {
    board.log('PW-UNCONFIGURED ' + error);
    const led = new A.PatternPlayer(board.setup!.digitalOutput({ pin: 'led' }), board.clock);
    led.play('unconfigured');
    board.clock.setInterval(() => board.kickWatchdog(), 1000);
    const who = identity(text);
    if (!who) return;
    const msg = new Messenger(who.id, who.key, boot, board.clock, board.sha256);
    // Only set_config and reboot make sense without channels; the rest are refused.
    msg.actions = {
      command: (k, d) => {
        if (k === 'set_config') {
          const r = parseConfig(JSON.stringify(d['cfg']));
          if (!r.ok) return r.error.substr(0, 64);
          board.storage.write(CONFIG_FILE, JSON.stringify(d['cfg']));
        } else if (k !== 'reboot') return 'unconfigured';
        board.clock.setTimeout(() => board.reboot(), 3000);
        return '';
      },
      rejected: (reason) => board.log('PW-REJECT ' + reason),
    };
    const link = makeLink(who.link, who.id, who.key, msg);
    msg.link = link;
    msg.send('trouble', '', { code: 'unconfigured' });
    board.clock.setInterval(() => {
      if (link.tick) link.tick();
      msg.flush(false);
    }, 1000);
    link.start();
    booted.messenger = msg;
    booted.link = link;
  }

  board.setup!.startWatchdog(WATCHDOG_S);
  const boot = nextBoot();
  const text = board.storage.read(CONFIG_FILE);
  const config = parseConfig(text);
  board.pins = config.ok ? config.config.pins : configDefaults().pins;
  const cfh = text === undefined ? '' : binaryToHex(board.sha256(text));
  const booted: Booted = { boot: boot, node: undefined, messenger: undefined, link: undefined };
  if (!config.ok) {
    unconfigured(config.error, text, boot, booted);
    delete board.setup;
    return booted;
  }
  const cfg = config.config;
  const msg = new Messenger(cfg.id, cfg.key, boot, board.clock, board.sha256);
  const node = new SensorNode(board, cfg, msg);
  msg.actions = node;
  const link = makeLink(cfg.link, cfg.id, cfg.key, msg);
  msg.link = link;
  link.start();
  const chs: string[] = [];
  for (const c of cfg.channels) chs.push(c.name);
  const frames = [
    msg.send('hello', '', { fw: fw.version, fwh: fw.hash, cfh: cfh, rst: board.setup!.resetCause(), chs: chs }),
  ];
  node.start();
  // Inputs, outputs and link are made: the board's boot-only parts become garbage (RAM).
  delete board.setup;
  // the first reading of every channel and a heartbeat, for the installer's console
  for (let i = 0; i < node.channels.length; i++) frames.push(node.telemetry(i));
  frames.push(node.heartbeat());
  for (const f of frames) board.log(encodeFrame(f).substr(0, encodeFrame(f).length - 1));
  booted.node = node;
  booted.messenger = msg;
  booted.link = link;
  return booted;
}
