/**
 * The cloud-ingest journal: one JSON line per accepted event, in one file per UTC day
 * (`events-YYYY-MM-DD.jsonl`) under PW_INGEST_DIR. The journal is the record kept for the
 * insurer, the forwarder's queue (a cursor file says how far it has delivered), and the
 * source the duplicate filter is rebuilt from after a restart.
 */
import type * as Fs from 'node:fs';
import type * as Path from 'node:path';

/** One journal line. */
export interface JournalEntry {
  /** when this flow accepted it, ms since epoch */
  ingestedAt: number;
  topic: string;
  event: Record<string, unknown> & { id: string; priority: string };
}

/** Where the forwarder is: the next line to deliver starts at `offset` in `file`. */
export interface Cursor {
  file: string;
  offset: number;
}

const JOURNAL_NAME = /^events-\d{4}-\d{2}-\d{2}\.jsonl$/;
/** longest line read in one go; longer lines are read in several */
const CHUNK = 64 * 1024;

export function journalName(now: number): string {
  return 'events-' + new Date(now).toISOString().slice(0, 10) + '.jsonl';
}

/** Journal file names, oldest first. */
export function journalFiles(fs: typeof Fs, dir: string): string[] {
  return fs
    .readdirSync(dir)
    .filter((name) => JOURNAL_NAME.test(name))
    .sort();
}

/**
 * The line starting at `offset` and the offset after it, or null when no complete line
 * starts there yet (end of the file).
 */
export function lineAt(fs: typeof Fs, file: string, offset: number): { text: string; next: number } | null {
  const fd = fs.openSync(file, 'r');
  try {
    const parts: Buffer[] = [];
    let position = offset;
    for (;;) {
      const buffer = Buffer.alloc(CHUNK);
      const read = fs.readSync(fd, buffer, 0, CHUNK, position);
      if (read === 0) return null;
      const end = buffer.subarray(0, read).indexOf(10);
      if (end >= 0) {
        parts.push(buffer.subarray(0, end));
        return { text: Buffer.concat(parts).toString('utf8'), next: position + end + 1 };
      }
      parts.push(buffer.subarray(0, read));
      position += read;
    }
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Replaces `file` with `text` so that a crash leaves either the old or the new content. Not
 * synced to disk: after a power cut the cursor may be a little behind, and the events after it
 * are sent again with their Idempotency-Key; syncing here would cost a disk flush per event.
 */
export function writeAtomically(fs: typeof Fs, file: string, text: string): void {
  const temp = file + '.tmp';
  fs.writeFileSync(temp, text);
  fs.renameSync(temp, file);
}

export function cursorFile(path: typeof Path, dir: string): string {
  return path.join(dir, 'forward-cursor.json');
}
