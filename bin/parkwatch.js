#!/usr/bin/env node
// Runs the compiled modules (bin/compile.mjs, run by `npm ci`) when they are current, else the
// TypeScript sources through tsx, so an edited checkout never runs stale code.
import { compiledIsCurrent } from './compile.mjs';

let main;
if (compiledIsCurrent()) {
  ({ main } = await import('../cli/main.mjs'));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../cli/main.ts'));
}
process.exitCode = await main(process.argv.slice(2));
