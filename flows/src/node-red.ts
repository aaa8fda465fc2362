/**
 * The parts of a Node-RED 4 function node's sandbox that our function sources use.
 *
 * Each file under flows/src/<flow>/ is the code of one function node: `onMessage` becomes the
 * node's "On Message" code and `onStart` its "On Start" code (see flows/build.ts). Their
 * parameter names must be the sandbox names (`msg`, `node`, `context`, `flow`, `env`) or the
 * name of a module the node loads through its setup ("libs"), such as `fs` or `Database`
 * (better-sqlite3); flows/build/function-node.ts lists them.
 */

export interface NodeMessage {
  _msgid?: string;
  topic?: string;
  payload?: unknown;
  [key: string]: unknown;
}

export interface NodeStatus {
  fill?: 'red' | 'green' | 'yellow' | 'blue' | 'grey';
  shape?: 'ring' | 'dot';
  text?: string;
}

export interface NodeApi {
  id: string;
  name: string;
  log(text: string): void;
  warn(text: string): void;
  /** with a msg, the error also reaches Catch nodes */
  error(text: string, msg?: NodeMessage): void;
  status(status: NodeStatus): void;
  send(msgs: NodeMessage | (NodeMessage | NodeMessage[] | null)[]): void;
  done(): void;
}

/** node / flow context: values must be JSON-serialisable so a file-backed store can keep them */
export interface ContextStore {
  get(key: string): unknown;
  set(key: string, value: unknown): void;
}

export interface EnvAccess {
  /** process environment (or flow/global env set in the editor); undefined when unset */
  get(name: string): string | undefined;
}

/** What a function node returns: one message per output, null for "send nothing" on that output. */
export type NodeOutput = NodeMessage | (NodeMessage | NodeMessage[] | null)[] | null;
