import { Worker } from 'node:worker_threads';
import type { StoreAnswers, StoreReply, StoreRequest, StoreThreadData } from './store-requests.ts';

export class StoreThreadError extends Error {
  readonly code = 'STORE_THREAD';
}

/**
 * The main thread's handle on the store thread (store-worker.ts): requests go out in order
 * and each answers with a promise. Compiled, the worker is the .mjs beside this module; from
 * TypeScript sources (tsx, vitest) it registers tsx in the worker first. Requests sent while
 * the thread still starts wait in its port, so the gateway takes frames from the first moment.
 */
export class StoreThread {
  private worker: Worker;
  private nextId = 1;
  private pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private exited: Error | undefined;

  constructor(data: StoreThreadData) {
    const compiled = import.meta.url.endsWith('.mjs');
    const entry = new URL(compiled ? './store-worker.mjs' : './store-worker.ts', import.meta.url).href;
    const bootstrap = compiled
      ? entry
      : `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); });`;
    this.worker = compiled
      ? new Worker(new URL(bootstrap), { workerData: data })
      : new Worker(bootstrap, { eval: true, workerData: data });
    this.worker.on('message', (reply: StoreReply) => {
      const p = this.pending.get(reply.id);
      if (!p) return;
      this.pending.delete(reply.id);
      if (reply.ok) p.resolve(reply.value);
      else p.reject(new StoreThreadError(reply.error));
    });
    this.worker.on('error', (err) => this.fail(err));
    this.worker.on('exit', (code) => this.fail(new Error(`exit code ${code}`)));
  }

  request<K extends StoreRequest['op']>(req: Extract<StoreRequest, { op: K }>): Promise<StoreAnswers[K]> {
    if (this.exited) return Promise.reject(this.exited);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.worker.postMessage({ id, req });
    });
  }

  /** Checkpoints and closes the store thread's connection, then ends the thread. */
  async close(): Promise<void> {
    if (this.exited) return;
    await this.request({ op: 'close' });
    await this.worker.terminate();
  }

  private fail(err: Error): void {
    this.exited ??= new StoreThreadError(`存储线程已停止 / the store thread stopped: ${err.message}`);
    for (const p of this.pending.values()) p.reject(this.exited);
    this.pending.clear();
  }
}
