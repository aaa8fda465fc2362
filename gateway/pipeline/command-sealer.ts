import { canonicalJson } from '../../protocol/canonical.ts';
import { PROTOCOL_VERSION } from '../../protocol/kinds.ts';
import type { NodeCommand } from '../wire/schemas.ts';
import { fastSign } from './verifier.ts';

/**
 * Builds signed commands for nodes with a strictly rising command seq. The seq is persisted
 * with each batch (meta.command_seq) and the counter resumes above it after a restart, so a
 * node never sees a command seq go backwards.
 */
/** A command before sealing: the sealer adds the protocol version and the command seq. */
export type UnsealedCommand = Omit<NodeCommand, 'v' | 'seq'>;

export class CommandSealer {
  constructor(private seq: number) {}

  /** The highest seq handed out so far. */
  get last(): number {
    return this.seq;
  }

  seal(keyHex: string, command: UnsealedCommand): string {
    const full = { ...command, v: PROTOCOL_VERSION, seq: ++this.seq } as NodeCommand;
    const body = canonicalJson(full);
    return `${body.slice(0, -1)},"sig":"${fastSign(keyHex, body)}"}`;
  }
}
