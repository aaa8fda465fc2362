import { readFileSync } from 'node:fs';
import ts from 'typescript';

/**
 * Turns one TypeScript file under flows/src/ into a Node-RED function node's code. The file's
 * `onMessage` becomes the "On Message" code, its `onStart` (if any) the "On Start" code. Node-RED
 * runs that code in a sandbox where `msg`, `node`, `context`, `flow`, `global` and `env` exist;
 * any other parameter name must be a built-in module, loaded through the node's setup ("libs").
 * Each file must be self-contained: only `import type` is allowed.
 */

const SANDBOX = ['msg', 'node', 'context', 'flow', 'global', 'env'];
const BUILT_IN_MODULES = ['crypto', 'fs', 'path'];

export interface FunctionCode {
  func: string;
  initialize: string;
  libs: { var: string; module: string }[];
}

export function functionCode(file: string): FunctionCode {
  const source = readFileSync(file, 'utf8');
  let js = ts
    .transpileModule(source, {
      compilerOptions: {
        target: ts.ScriptTarget.ES2022,
        module: ts.ModuleKind.ESNext,
        removeComments: false,
        verbatimModuleSyntax: false,
      },
      fileName: file,
    })
    .outputText.replace(/^export \{\};\s*$/m, '')
    .replace(/^export /gm, '')
    .trim();
  // The file's opening comment says what the node does: keep it for whoever opens the node in the editor.
  const header = /^\/\*\*[\s\S]*?\*\//.exec(source)?.[0];
  if (header && !js.startsWith(header)) js = `${header}\n${js}`;
  if (/^import /m.test(js)) throw new Error(`${file}: a function node file may only use "import type"`);
  const onMessage = params(js, 'onMessage', file);
  if (!onMessage) throw new Error(`${file}: has no "export function onMessage(...)"`);
  const onStart = params(js, 'onStart', file);
  const modules = [...onMessage, ...(onStart ?? [])].filter((p) => !SANDBOX.includes(p));
  return {
    func: `${js}\n\nreturn onMessage(${onMessage.join(', ')});`,
    initialize: onStart ? `${js}\n\nonStart(${onStart.join(', ')});` : '',
    libs: [...new Set(modules)].map((m) => ({ var: m, module: m })),
  };
}

function params(js: string, name: string, file: string): string[] | undefined {
  const match = new RegExp(`^function ${name}\\(([^)]*)\\)`, 'm').exec(js);
  if (!match) return undefined;
  const names = match[1]
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '');
  for (const p of names) {
    if (!SANDBOX.includes(p) && !BUILT_IN_MODULES.includes(p)) {
      throw new Error(`${file}: parameter "${p}" of ${name} is neither a Node-RED sandbox name nor a built-in module`);
    }
  }
  return names;
}
