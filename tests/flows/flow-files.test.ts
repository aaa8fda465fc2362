import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { committedFlow, FLOW_FILES, FLOWS_DIR } from '../../flows/build/index.ts';
import type { FlowNode } from '../../flows/build/nodes.ts';

// The flow files facilities teams import are built from flows/src; these checks keep them
// in step and keep addresses and secrets out of them.
describe.each(Object.keys(FLOW_FILES))('flows/%s', (name) => {
  const text = readFileSync(join(FLOWS_DIR, name), 'utf8');
  const nodes = JSON.parse(text) as FlowNode[];

  it('is what `parkwatch flows build` makes from flows/src', () => {
    expect(committedFlow(name)).toEqual(FLOW_FILES[name]());
  });

  it('holds no URL, host or secret: those come from the environment or Node-RED credentials', () => {
    expect(text).not.toMatch(/[a-z]+:\/\/[a-z0-9[]/i);
    expect(text).not.toMatch(/\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b/);
    for (const node of nodes) expect(node).not.toHaveProperty('credentials');
    for (const broker of nodes.filter((n) => n.type === 'mqtt-broker')) {
      expect(broker.broker).toMatch(/^\$\{PW_[A-Z_]+\}$/);
      expect(broker.clientid).toMatch(/^\$\{PW_[A-Z_]+\}$/);
    }
    for (const request of nodes.filter((n) => n.type === 'http request')) expect(request.url).toBe('');
  });

  it('wires only to nodes that exist, and its function nodes load only built-in modules and better-sqlite3', () => {
    const ids = new Set(nodes.map((n) => n.id));
    for (const node of nodes) {
      for (const output of (node.wires as string[][] | undefined) ?? []) {
        for (const target of output) expect(ids, `${node.id} -> ${target}`).toContain(target);
      }
      if (node.z !== undefined) expect(ids).toContain(node.z);
    }
    for (const fn of nodes.filter((n) => n.type === 'function')) {
      for (const lib of fn.libs as { module: string }[])
        expect(['crypto', 'fs', 'path', 'better-sqlite3']).toContain(lib.module);
      expect(
        () =>
          new Function('msg', 'node', 'context', 'flow', 'env', 'crypto', 'fs', 'path', 'Database', String(fn.func)),
      ).not.toThrow();
    }
  });
});
