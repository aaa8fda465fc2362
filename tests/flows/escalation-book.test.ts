import { describe, expect, it } from 'vitest';
import { onStart } from '../../flows/src/escalation/book.ts';
import type { ContextStore, EnvAccess, NodeApi } from '../../flows/src/node-red.ts';

/** Runs the flow's start-up on a contact book and returns what it logged as an error. */
function startWith(contacts: unknown): { errors: string[]; config: unknown } {
  const errors: string[] = [];
  const store = new Map<string, unknown>();
  const node = { error: (m: string) => errors.push(m), status: () => {} } as unknown as NodeApi;
  const context = { get: (k: string) => store.get(k), set: (k: string, v: unknown) => store.set(k, v) } as ContextStore;
  const vars: Record<string, string> = { PW_ESC_CONTACTS: JSON.stringify(contacts) };
  const env = { get: (name: string) => vars[name] } as EnvAccess;
  onStart(node, context, env);
  return { errors, config: store.get('config') };
}

const robot = 'https://robot.example/send?key=k';

describe('escalation contact book', () => {
  it('takes a signed DingTalk robot and an unsigned WeCom robot', () => {
    const { errors, config } = startWith({
      fallback: [
        { type: 'dingtalk', url: robot, secret: 'SECabc' },
        { type: 'wecom', url: robot },
      ],
      security: [],
      duty: [],
    });
    expect(errors).toEqual([]);
    expect(config).not.toBeNull();
  });

  it('refuses a secret on a WeCom robot, which has no signing, naming the entry', () => {
    const { errors, config } = startWith({
      fallback: [{ type: 'wecom', url: robot, secret: 'x' }],
      security: [],
      duty: [],
    });
    expect(config).toBeNull();
    expect(errors.join('\n')).toMatch(/PW_ESC_CONTACTS\.fallback\[0\].*WeCom robots are not signed/);
  });
});
