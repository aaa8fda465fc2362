import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';
import { checkSource, type Finding } from './check/checker.ts';
import { firmwareHash, stampHash } from './fw-hash.ts';
import { classOnlyNames } from './toolchain/class-names.ts';
import { globalCollisions } from './toolchain/global-names.ts';
import { type ConstValue, collectConstants } from './toolchain/inline-constants.ts';
import { transpileForEspruino } from './toolchain/lower-defaults.ts';

const FIRMWARE = dirname(fileURLToPath(import.meta.url));
export const ENTRY = join(FIRMWARE, 'espruino', 'main.ts');
export const OUT_FILE = join(FIRMWARE, 'dist', 'parkwatch-node.js');

/**
 * Every .ts file goes through TypeScript's ES2015 emit (plus default lowering, constants written
 * where they are used) before esbuild bundles it.
 */
function typescriptEs2015(constants: Map<string, ConstValue>): Plugin {
  return {
    name: 'typescript-es2015',
    setup(b) {
      b.onLoad({ filter: /\.ts$/ }, (args) => ({
        contents: transpileForEspruino(readFileSync(args.path, 'utf8'), args.path, constants),
        loader: 'js',
      }));
    },
  };
}
/**
 * The node script's size budget, 32 KB minified: the product's budget for the flash the script
 * occupies on the board. DESIGN.md gives the RAM side (3,000-5,000 JsVars on an ESP32, shared
 * with Wi-Fi and TLS), which tests/espruino/ram.test.ts measures separately.
 */
export const SIZE_BUDGET = 32 * 1024;

export interface BuildResult {
  script: string;
  bytes: number;
  hash: string;
  findings: Finding[];
}

/**
 * Type-checks the firmware against ES2015 with no Node types (firmware/tsconfig.json), bundles
 * it into one minified ES2015 script with esbuild (class fields as constructor assignments:
 * useDefineForClassFields false), stamps its hash and runs the Espruino subset checker on it.
 */
/** Every TypeScript file that can end up in the bundle, plus the Espruino globals contract. */
export function firmwareSources(): string[] {
  const out: string[] = [];
  for (const dir of [FIRMWARE, join(FIRMWARE, '..', 'protocol')]) {
    for (const f of readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
      if (!f.endsWith('.ts') || /^(check|flash|toolchain|tools)\//.test(f) || f === 'build.ts' || f === 'fw-hash.ts')
        continue;
      out.push(join(dir, f));
    }
  }
  return out;
}

export async function buildFirmware(options: { typecheck: boolean }): Promise<BuildResult> {
  if (options.typecheck) {
    const tsc = join(FIRMWARE, '..', 'node_modules', 'typescript', 'bin', 'tsc');
    execFileSync(process.execPath, [tsc, '-p', join(FIRMWARE, 'tsconfig.json')], { stdio: 'inherit' });
  }
  const out = await build({
    entryPoints: [ENTRY],
    bundle: true,
    write: false,
    format: 'cjs',
    target: 'es2015',
    plugins: [typescriptEs2015(collectConstants(firmwareSources()))],
    // Shorter class member names: less flash, and less RAM per instance on Espruino.
    mangleProps: new RegExp('^(' + classOnlyNames(firmwareSources()).join('|') + ')$'),
    platform: 'node',
    minify: true,
    legalComments: 'none',
    charset: 'ascii',
    // Espruino's built-in modules: left as require() calls.
    external: ['Storage', 'crypto', 'net', 'Wifi'],
    outfile: OUT_FILE,
  });
  const js = out.outputFiles.find((f) => f.path.endsWith('.js'));
  if (!js) throw new Error('esbuild wrote no script');
  // CommonJS output keeps require("Storage") as it is (the IIFE format wraps it in a Proxy shim).
  // No function wrapper: functions made at global scope carry no scope link on Espruino, a JsVar
  // each; globalCollisions makes sure no top-level name replaces an Espruino global.
  const script = stampHash(js.text.trim() + '\n');
  const clashes = globalCollisions(script);
  if (clashes.length > 0) {
    throw new Error(
      'top-level names would replace Espruino globals / 顶层名称与 Espruino 全局变量冲突: ' + clashes.join(', '),
    );
  }
  return {
    script,
    bytes: Buffer.byteLength(script, 'latin1'),
    hash: firmwareHash(script),
    findings: checkSource(script),
  };
}

/** `parkwatch firmware build [--no-typecheck]` */
export async function runBuild(args: string[]): Promise<number> {
  let r: BuildResult;
  try {
    r = await buildFirmware({ typecheck: !args.includes('--no-typecheck') });
  } catch (err) {
    console.error(`固件构建失败 / firmware build failed: ${(err as Error).message}`);
    return 1;
  }
  if (r.findings.length > 0) {
    for (const f of r.findings) console.error(`${OUT_FILE}:${f.line}:${f.column + 1}: ${f.rule}: ${f.message}`);
    console.error(
      `${r.findings.length} 处 Espruino 不支持的语法，未写出 / Espruino-subset finding(s), nothing written`,
    );
    return 1;
  }
  mkdirSync(dirname(OUT_FILE), { recursive: true });
  writeFileSync(OUT_FILE, r.script, 'latin1');
  writeFileSync(OUT_FILE.replace(/\.js$/, '.sha256'), r.hash + '\n');
  const kb = (r.bytes / 1024).toFixed(1);
  console.log(`${OUT_FILE}`);
  console.log(`  大小 / size: ${r.bytes} B (${kb} KB of ${SIZE_BUDGET / 1024} KB)`);
  console.log(`  固件哈希 / firmware hash (fwh): ${r.hash}`);
  if (r.bytes > SIZE_BUDGET) {
    console.error(`超出 32 KB 预算 / over the 32 KB budget by ${r.bytes - SIZE_BUDGET} B`);
    return 1;
  }
  return 0;
}
