import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { ConsoleSession } from './console-session.ts';
import { FlashError } from './errors.ts';
import { loadEspruinoTools } from './espruino-tools.ts';
import { HelloWatch } from './hello-watch.ts';
import { readNodeFile } from './node-file.ts';
import type { FlashOptions } from './options.ts';
import { type Commissioning, commissioningChecks } from './summary.ts';
import { buildUploadPlan, type UploadPlan } from './upload-plan.ts';

export type FlashOutcome =
  | { kind: 'dry-run'; out: string; plan: UploadPlan }
  | { kind: 'flashed'; plan: UploadPlan; summary: Commissioning; error?: FlashError };

/** Progress lines for the installer, "中文 / English". */
export type Say = (line: string) => void;

/**
 * `parkwatch flash`: validate node.json, build the upload with EspruinoTools (offline), then
 * either write it to a file (dry run) or send it to the board, restart it and read its hello
 * and first readings off the same port. Errors an installer can act on are FlashErrors; a
 * failed check after the upload comes back in the outcome together with the summary.
 */
export async function flash(options: FlashOptions, say: Say): Promise<FlashOutcome> {
  const node = readNodeFile(options.node);
  const tools = await loadEspruinoTools();
  const plan = await buildUploadPlan(tools, node, options.script);
  if (options.dryRun) {
    const out = options.out as string;
    try {
      writeFileSync(out, plan.bytes, 'latin1');
    } catch (err) {
      throw new FlashError('out_file', {
        zh: `无法写入 ${out}`,
        en: `cannot write ${out}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      });
    }
    return { kind: 'dry-run', out, plan };
  }

  const port = options.port as string;
  const session = new ConsoleSession(tools, port, options.baud);
  const watch = new HelloWatch(
    node.config.id,
    node.config.key,
    node.config.channels.map((c) => c.name),
  );
  let watching = false;
  session.onText((text) => {
    if (watching) watch.push(text);
  });
  const lost = session.whenLost().then((err) => {
    throw err;
  });
  // a dropped line fails whichever step is running
  const guard = <T>(p: Promise<T>) => Promise.race([p, lost]);
  try {
    say(`连接 / connecting to ${port} ...`);
    await guard(session.open(options.fast));
    const board = await guard(session.identify());
    say(`板子 / board: ${board.BOARD}, Espruino ${board.VERSION}`);
    const onBoard = board.MODULES?.split(',');
    const absent = onBoard ? plan.modules.filter((m) => !onBoard.includes(m)) : [];
    if (absent.length > 0) {
      throw new FlashError('module_missing', {
        zh: `这块板子的 Espruino 没有脚本需要的模块 ${absent.join(', ')}`,
        en: `Espruino on this board lacks ${absent.join(', ')}, which the script requires`,
        hint: '刷入 ESP32 版 Espruino 固件 (2v29 或更新) / install Espruino for ESP32 (2v29 or newer)',
      });
    }
    say(`上传 / uploading ${plan.bytes.length} bytes (script ${plan.scriptBytes}, config ${node.text.length}) ...`);
    const started = Date.now();
    const heardBefore = session.transcript.length;
    watching = true;
    await guard(session.send(plan.bytes));
    const uploadMs = Date.now() - started;
    // only what the board said since the upload began: an old firmware's errors do not count
    const uploadError = /Uncaught [^\r\n]*|ERROR:[^\r\n]*/.exec(session.transcript.slice(heardBefore));
    if (uploadError) {
      throw new FlashError('upload', {
        zh: `板子在写入或重启时报错：${uploadError[0]}`,
        en: `the board reported an error while writing or restarting: ${uploadError[0]}`,
        hint: '用 require("Storage").eraseAll() 清空存储后重试 / free Storage with require("Storage").eraseAll() and retry',
      });
    }
    say(`已重启，等待节点报到 / restarted, waiting for the node's hello (${options.timeoutS} s) ...`);
    const contact = await guard(watch.wait(options.timeoutS * 1000)).catch((err: unknown) => {
      throw err instanceof FlashError && err.code === 'port_lost' ? lostAfterUpload(port) : err;
    });
    const summary: Commissioning = {
      port,
      config: node.config,
      board,
      contact,
      configHash: createHash('sha256').update(node.text, 'utf8').digest('hex'),
      firmwareHash: plan.firmwareHash,
      uploadBytes: plan.bytes.length,
      uploadMs,
    };
    return { kind: 'flashed', plan, summary, error: verdict(summary, options.timeoutS) };
  } finally {
    watch.stop();
    await session.close();
  }
}

/** The line dropped after everything was written: the board took it down while restarting. */
function lostAfterUpload(port: string): FlashError {
  return new FlashError('port_lost', {
    zh: `上传已完成，但节点重启时断开了 ${port}，无法在这里读到它的报到`,
    en: `the upload finished, but the node dropped ${port} while restarting, so its hello could not be read here`,
    hint: '在网关面板确认节点上线并有读数；或用 USB 串口重新烧录以看到调试结果 / check in the gateway panel that the node comes online with readings, or flash over USB to see the summary',
  });
}

/** What is wrong with a first contact, if anything. */
function verdict(c: Commissioning, timeoutS: number): FlashError | undefined {
  const { contact } = c;
  if (contact.unconfigured !== undefined) {
    return new FlashError('node_unconfigured', {
      zh: `节点报告配置无效：${contact.unconfigured}`,
      en: `the node reports its config is invalid: ${contact.unconfigured}`,
      hint: '检查 node.json 与固件版本是否匹配 / check node.json matches the firmware version',
    });
  }
  if (!contact.hello) {
    const other = contact.rejected.length ? `; ignored: ${contact.rejected.slice(0, 3).join('; ')}` : '';
    return new FlashError('no_hello', {
      zh: `${timeoutS} 秒内没有收到节点的报到 (hello)`,
      en: `no hello from node ${c.config.id} within ${timeoutS} s${other}`,
      hint: '按 EN/RST 键看控制台输出，或加大 --timeout / press EN/RST and watch the console, or raise --timeout',
    });
  }
  const failed = commissioningChecks(c).filter((x) => !x.ok);
  if (failed.length > 0) {
    return new FlashError('hello_mismatch', {
      zh: failed.map((x) => x.zh).join('；'),
      en: failed.map((x) => x.en).join('; '),
      hint: '重新烧录；仍不符请换板子 / flash again; if it persists, replace the board',
    });
  }
  const missing = c.config.channels.map((ch) => ch.name).filter((n) => !contact.readings.has(n));
  if (missing.length > 0 || !contact.heartbeat) {
    const what = [...missing, ...(contact.heartbeat ? [] : ['heartbeat'])].join(', ');
    return new FlashError('no_reading', {
      zh: `${timeoutS} 秒内缺少首次读数：${what}`,
      en: `no first reading within ${timeoutS} s from: ${what}`,
      hint: '检查传感器接线 (docs/installing.md) / check the sensor wiring (docs/installing.md)',
    });
  }
  return undefined;
}
