import { readFileSync } from 'node:fs';
import { checkSource } from '../check/checker.ts';
import { embeddedHash, firmwareHash } from '../fw-hash.ts';
import { FlashError } from './errors.ts';
import type { LoadedTools } from './espruino-tools.ts';
import type { NodeFile } from './node-file.ts';

/**
 * The exact bytes a flash sends after the connection handshake, built by EspruinoTools itself:
 * the config file written into Storage (base64 chunks, as its `--storage` option does), the
 * script wrapped into `require("Storage").write(".bootcde", ...)` chunks, `load()` to restart
 * into it, all passed through its code writer (echo off per line, reset first). `--dry-run`
 * writes this string to a file; a real flash writes the same string to the port.
 */
export interface UploadPlan {
  /** one char per byte (latin1), ready for the port */
  bytes: string;
  scriptPath: string;
  scriptBytes: number;
  /** the `fwh` the script will report (firmware/fw-hash.ts); undefined for a script without a hash slot */
  firmwareHash?: string;
  /** modules the script loads with require("..."), all built into the board */
  modules: string[];
}

const REQUIRE = /\brequire\(\s*["']([^"']+)["']\s*\)/g;

export function requiredModules(script: string): string[] {
  const found = new Set<string>();
  for (const m of script.matchAll(REQUIRE)) found.add(m[1]);
  return [...found].sort();
}

export function readScript(path: string): string {
  try {
    return readFileSync(path, 'latin1');
  } catch (err) {
    throw new FlashError('script_file', {
      zh: `无法读取固件脚本 ${path}`,
      en: `cannot read firmware script ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      hint: '先运行 / first run: npx parkwatch firmware build (或用 / or give --script FILE)',
    });
  }
}

export async function buildUploadPlan(tools: LoadedTools, node: NodeFile, scriptPath: string): Promise<UploadPlan> {
  const script = readScript(scriptPath);
  const findings = checkSource(script);
  if (findings.length > 0) {
    const f = findings[0];
    throw new FlashError('script_file', {
      zh: `固件脚本 ${scriptPath} 用了 Espruino 不支持的写法 (${findings.length} 处)，未写入任何设备`,
      en: `${scriptPath} uses what Espruino cannot run (${findings.length} finding(s)), nothing was written; first: line ${f.line}: ${f.rule}: ${f.message}`,
      hint: `运行 / run: npx parkwatch firmware check ${scriptPath}`,
    });
  }
  const modules = requiredModules(script);
  const missing = modules.filter((m) => !tools.builtinModules.includes(m));
  if (missing.length > 0) {
    throw new FlashError('module_missing', {
      zh: `固件脚本需要模块 ${missing.join(', ')}，ESP32 的 Espruino 没有内置它们`,
      en: `the script requires ${missing.join(', ')}, which Espruino on ESP32 does not have built in`,
      hint: '把这些代码打包进脚本 (firmware build 会这样做) / bundle that code into the script (firmware build does)',
    });
  }
  const { E, log } = tools;
  const before = { errors: log.errors.length, urls: log.blockedUrls.length };
  const wrapped = await new Promise<string>((resolve) =>
    E.callProcessor('transformForEspruino', script, (code) => resolve(String(code))),
  );
  // Storage holds bytes: the config goes as UTF-8 (an SSID may be Chinese), which is also what the node hashes
  const configBytes = Buffer.from(node.text, 'utf8').toString('latin1');
  const withConfig = `${E.Core.Utils.getUploadFileCode(node.storageName, configBytes)}\n${wrapped}`;
  const formatted = E.Core.CodeWriter.reformatCode(withConfig);
  const urls = log.blockedUrls.slice(before.urls);
  if (urls.length > 0) {
    throw new FlashError('offline', {
      zh: `EspruinoTools 试图联网下载 ${urls.join(', ')}；已阻止，未写入任何设备`,
      en: `EspruinoTools tried to download ${urls.join(', ')}; blocked, nothing was written`,
      hint: '这是 parkwatch 的缺陷，请报告 / this is a parkwatch bug, please report it',
    });
  }
  if (formatted === undefined || log.errors.length > before.errors) {
    throw new FlashError('script_file', {
      zh: `EspruinoTools 无法处理脚本 ${scriptPath}`,
      en: `EspruinoTools could not prepare ${scriptPath}: ${log.errors.slice(before.errors).join('; ')}`,
      hint: '运行 / run: npx parkwatch firmware check ' + scriptPath,
    });
  }
  // What EspruinoTools' writeToEspruino adds around the code: two final newlines, an empty
  // print() so the prompt disappears, and reset() to clear RAM first.
  let body = formatted;
  while (!body.endsWith('\n\n')) body += '\n';
  const bytes = `\x10reset();\n\x10print()\n${body}`;
  const hash = embeddedHash(script) === undefined ? undefined : firmwareHash(script);
  return { bytes, scriptPath, scriptBytes: Buffer.byteLength(script, 'latin1'), firmwareHash: hash, modules };
}
