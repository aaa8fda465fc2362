import { nodeSha256 } from '../../gateway/wire/node-sha256.ts';
import { HelloMessage, NodeMessage, type NodeMessageOf } from '../../gateway/wire/schemas.ts';
import { FrameDecoder, unseal, verifyBody } from '../../protocol/index.ts';

export type Hello = NodeMessageOf<'hello'>;
export type Telemetry = NodeMessageOf<'telemetry'>;
export type Heartbeat = NodeMessageOf<'heartbeat'>;

/** The plain line a node without a valid config prints instead of a hello (firmware/README.md). */
const UNCONFIGURED = /PW-UNCONFIGURED ([^\r\n]*)\r?\n/;

export interface FirstContact {
  hello?: Hello;
  /** the hello's signature checks out with the key in node.json */
  signatureOk?: boolean;
  /** first telemetry per channel name, after the hello */
  readings: Map<string, Telemetry>;
  heartbeat?: Heartbeat;
  /** the node said its config is missing or invalid, with the reason */
  unconfigured?: string;
  /** frames that were not for this node, not valid or not signed with its key */
  rejected: string[];
}

/**
 * Reads the node's serial frames off the console after the restart: the hello, then a first
 * telemetry reading of each channel. The console also carries prompts and echo; the frame
 * decoder skips them. A frame from another node id or with a bad signature is noted, not used.
 */
export class HelloWatch {
  readonly contact: FirstContact = { readings: new Map(), rejected: [] };
  private decoder: FrameDecoder;
  private waiters: (() => void)[] = [];
  private lineTail = '';

  constructor(
    private nodeId: string,
    private keyHex: string,
    private channels: string[],
  ) {
    this.decoder = new FrameDecoder({ frame: (payload) => this.frame(payload), reject: () => {} });
  }

  push(text: string): void {
    this.decoder.push(text);
    const lines = (this.lineTail + text).slice(-400);
    const m = UNCONFIGURED.exec(lines);
    this.lineTail = m ? '' : lines;
    if (m) {
      this.contact.unconfigured = m[1].trim();
      this.settle();
    }
  }

  /** true once the hello, a reading of every channel and the first heartbeat are in */
  get complete(): boolean {
    const c = this.contact;
    return c.hello !== undefined && c.heartbeat !== undefined && this.channels.every((ch) => c.readings.has(ch));
  }

  /** nothing more to wait for: complete, or the node said it is unconfigured, or its hello is not signed with the key */
  get settled(): boolean {
    const c = this.contact;
    return this.complete || c.unconfigured !== undefined || c.signatureOk === false;
  }

  /** Ends a wait early (the line dropped): its timer must not keep the process alive. */
  stop(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  /** Resolves when settled or after `ms`, whichever comes first. */
  wait(ms: number): Promise<FirstContact> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        resolve(this.contact);
      };
      const timer = setTimeout(done, ms);
      if (this.settled) done();
      else this.waiters.push(done);
    });
  }

  private frame(payload: string): void {
    let json: unknown;
    try {
      json = JSON.parse(payload);
    } catch {
      this.contact.rejected.push(`not JSON: ${payload.slice(0, 60)}`);
      return;
    }
    const parsed = NodeMessage.safeParse(json);
    if (!parsed.success) {
      this.contact.rejected.push(`not a node message: ${payload.slice(0, 60)}`);
      return;
    }
    const msg = parsed.data;
    if (msg.node !== this.nodeId) {
      this.contact.rejected.push(`from node ${msg.node}, expected ${this.nodeId}`);
      return;
    }
    const parts = unseal(payload);
    const signed = parts !== undefined && verifyBody(nodeSha256, this.keyHex, parts);
    if (msg.kind === 'hello') {
      // a later hello (the board restarted again) starts over
      this.contact.hello = HelloMessage.parse(msg);
      this.contact.signatureOk = signed;
      this.contact.readings.clear();
      this.contact.heartbeat = undefined;
      this.contact.unconfigured = undefined;
    } else if (this.contact.hello && msg.boot === this.contact.hello.boot) {
      if (!signed) this.contact.rejected.push(`bad signature on ${msg.kind} ${msg.ch}`);
      else if (msg.kind === 'telemetry' && !this.contact.readings.has(msg.ch)) this.contact.readings.set(msg.ch, msg);
      else if (msg.kind === 'heartbeat' && !this.contact.heartbeat) this.contact.heartbeat = msg;
    }
    this.settle();
  }

  private settle(): void {
    if (this.settled) for (const w of this.waiters.splice(0)) w();
  }
}
