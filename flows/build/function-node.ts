import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

/**
 * Turns one TypeScript file under flows/src/ into a Node-RED function node's code. The file's
 * `onMessage` becomes the "On Message" code, its `onStart` and `onStop` (if any) the "On Start"
 * and "On Stop" code; all three run in the node's one sandbox. Node-RED
 * runs that code in a sandbox where `msg`, `node`, `context`, `flow`, `global` and `env` exist;
 * any other parameter name must be a module in MODULES, loaded through the node's setup ("libs"):
 * built-in ones, and better-sqlite3 (an npm module: Node-RED installs it in its user directory
 * when the flow is deployed, with `functionExternalModules`, on by default in Node-RED 4).
 * A file may import code only from flows/src/shared/, which is copied in ahead of its own code.
 */

const SANDBOX = ['msg', 'node', 'context', 'flow', 'global', 'env'];
/** parameter name -> module */
const MODULES: Record<string, string> = { crypto: 'crypto', fs: 'fs', path: 'path', Database: 'better-sqlite3' };
const SHARED = join(import.meta.dirname, '..', 'src', 'shared');

export interface FunctionCode {
  func: string;
  initialize: string;
  finalize: string;
  libs: { var: string; module: string }[];
}

export function functionCode(file: string): FunctionCode {
  const own = plainScript(file);
  const shared = own.imports.map((path) => {
    const inner = plainScript(path);
    if (inner.imports.length > 0) throw new Error(`${path}: shared code may only use "import type"`);
    return inner.code;
  });
  const js = [...(own.header ? [own.header] : []), ...shared, own.code].join('\n\n');
  const onMessage = params(js, 'onMessage', file);
  if (!onMessage) throw new Error(`${file}: has no "export function onMessage(...)"`);
  const onStart = params(js, 'onStart', file);
  const onStop = params(js, 'onStop', file);
  const modules = [...onMessage, ...(onStart ?? []), ...(onStop ?? [])].filter((p) => !SANDBOX.includes(p));
  return {
    func: `${js}\n\nreturn onMessage(${onMessage.join(', ')});`,
    initialize: onStart ? `${js}\n\nonStart(${onStart.join(', ')});` : '',
    finalize: onStop ? `${js}\n\nonStop(${onStop.join(', ')});` : '',
    libs: [...new Set(modules)].map((m) => ({ var: m, module: MODULES[m] })),
  };
}

/** The file as plain JavaScript without import/export, its opening comment and the shared files it imports. */
function plainScript(file: string): { code: string; header?: string; imports: string[] } {
  const source = readFileSync(file, 'utf8');
  const js = ts.transpileModule(source, {
    compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, removeComments: false },
    fileName: file,
  }).outputText;
  const imports: string[] = [];
  const code = js
    .replace(/^import .* from '([^']+)';\s*$/gm, (_line, spec: string) => {
      const path = resolve(dirname(file), spec);
      if (relative(SHARED, path).startsWith('..')) {
        throw new Error(`${file}: imports ${spec}; a function node may import code only from flows/src/shared/`);
      }
      imports.push(path);
      return '';
    })
    .replace(/^export \{\};\s*$/m, '')
    .replace(/^export /gm, '')
    .trim();
  if (/^import /m.test(code)) throw new Error(`${file}: an import this build cannot place`);
  // The opening comment says what the node does; TypeScript drops it with the elided type imports.
  const header = /^\/\*\*[\s\S]*?\*\//.exec(source)?.[0];
  return { code: header && code.startsWith(header) ? code.slice(header.length).trim() : code, header, imports };
}

function params(js: string, name: string, file: string): string[] | undefined {
  const match = new RegExp(`^function ${name}\\(([^)]*)\\)`, 'm').exec(js);
  if (!match) return undefined;
  const names = match[1]
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '');
  for (const p of names) {
    if (!SANDBOX.includes(p) && !Object.hasOwn(MODULES, p)) {
      throw new Error(`${file}: parameter "${p}" of ${name} is neither a Node-RED sandbox name nor a known module`);
    }
  }
  return names;
}
