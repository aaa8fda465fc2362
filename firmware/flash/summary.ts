import type { NodeConfig } from '../node-config-schema.ts';
import type { BoardEnv } from './console-session.ts';
import type { FirstContact } from './hello-watch.ts';

/** Everything a commissioning summary shows; built by flash.ts, printed by the CLI. */
export interface Commissioning {
  port: string;
  config: NodeConfig;
  board: BoardEnv;
  contact: FirstContact;
  /** sha256 hex of the config text written to Storage */
  configHash: string;
  /** firmware hash of the uploaded script, when it has a hash slot (firmware/fw-hash.ts) */
  firmwareHash?: string;
  uploadBytes: number;
  uploadMs: number;
}

export interface Check {
  ok: boolean;
  zh: string;
  en: string;
}

const mark = (ok: boolean) => (ok ? '✓' : '✗');

/** The checks a commissioning passes or fails, in the order the summary shows them. */
export function commissioningChecks(c: Commissioning): Check[] {
  const hello = c.contact.hello;
  if (!hello) return [];
  const checks: Check[] = [
    {
      ok: c.contact.signatureOk === true,
      zh: c.contact.signatureOk ? '签名用节点密钥验证通过' : '签名与 node.json 中的密钥不符',
      en: c.contact.signatureOk
        ? 'signature verified with the node key'
        : 'signature does not match the key in node.json',
    },
    {
      ok: hello.d.cfh === c.configHash,
      zh: hello.d.cfh === c.configHash ? '配置与写入的一致' : '节点上的配置与写入的不同',
      en:
        hello.d.cfh === c.configHash
          ? 'config matches what was written'
          : 'the config on the node differs from what was written',
    },
  ];
  if (c.firmwareHash) {
    const same = hello.d.fwh === c.firmwareHash;
    checks.push({
      ok: same,
      zh: same ? '固件与上传的一致' : '节点运行的固件与上传的不同',
      en: same ? 'firmware matches what was uploaded' : 'the node runs other firmware than was uploaded',
    });
  }
  return checks;
}

function reading(c: Commissioning, name: string): string {
  const t = c.contact.readings.get(name);
  if (!t) return '— 未收到 / not received';
  const ch = c.config.channels.find((x) => x.name === name);
  if (ch?.kind === 'contact') return `${t.d.v === 1 ? '动作 / active' : '未动作 / inactive'} (${t.d.st})`;
  return `${t.d.v} (基线 / baseline ${t.d.b}, ${t.d.st})`;
}

/** Bilingual summary for the installer's terminal. */
export function formatSummary(c: Commissioning): string {
  const hello = c.contact.hello;
  const lines = ['', '调试结果 / commissioning summary', `  端口 / port:            ${c.port}`];
  lines.push(`  板子 / board:           ${c.board.BOARD}, Espruino ${c.board.VERSION}`);
  lines.push(`  上传 / upload:          ${c.uploadBytes} bytes in ${(c.uploadMs / 1000).toFixed(1)} s`);
  if (!hello) return lines.join('\n');
  lines.push(`  节点 / node:            ${hello.node} (boot ${hello.boot}, 重启原因 / reset: ${hello.d.rst})`);
  lines.push(`  固件 / firmware:        ${hello.d.fw}, hash ${hello.d.fwh.slice(0, 16)}`);
  lines.push(`  配置 / config:          hash ${hello.d.cfh.slice(0, 16)}`);
  for (const check of commissioningChecks(c)) lines.push(`    ${mark(check.ok)} ${check.zh} / ${check.en}`);
  lines.push('  首次读数 / first readings:');
  for (const ch of c.config.channels) {
    const pin = c.config.pins[ch.pin] ?? ch.pin;
    lines.push(`    ${`${ch.name} (${ch.kind}, ${pin}):`.padEnd(26)} ${reading(c, ch.name)}`);
  }
  const hb = c.contact.heartbeat;
  lines.push(
    hb
      ? `  心跳 / heartbeat:       battery ${hb.d.bat} mV, RSSI ${hb.d.rssi} dBm, free ${hb.d.mem} JsVars, every ${hb.d.ivl} s`
      : '  心跳 / heartbeat:       — 未收到 / not received',
  );
  return lines.join('\n');
}
