/**
 * Everything that can stop a flash for a reason an installer can act on. Each has a stable code
 * (for tests and support calls), a Chinese and an English sentence, and what to do next. The CLI
 * prints these without a stack trace and exits non-zero.
 */
export type FlashErrorCode =
  | 'node_file'
  | 'script_file'
  | 'out_file'
  | 'board_file'
  | 'module_missing'
  | 'offline'
  | 'port_missing'
  | 'port_busy'
  | 'port_open'
  | 'port_lost'
  | 'no_answer'
  | 'upload'
  | 'no_hello'
  | 'hello_mismatch'
  | 'node_unconfigured'
  | 'no_reading';

export interface FlashErrorText {
  zh: string;
  en: string;
  /** what the installer should do, "中文 / English" */
  hint?: string;
}

export class FlashError extends Error {
  readonly code: FlashErrorCode;
  readonly zh: string;
  readonly en: string;
  readonly hint: string | undefined;

  constructor(code: FlashErrorCode, text: FlashErrorText) {
    super(`${text.zh} / ${text.en}`);
    this.name = 'FlashError';
    this.code = code;
    this.zh = text.zh;
    this.en = text.en;
    this.hint = text.hint;
  }

  /** The lines the CLI prints. */
  describe(): string {
    const lines = [`错误 / error [${this.code}]: ${this.zh}`, `  ${this.en}`];
    if (this.hint) lines.push(`  处理 / what to do: ${this.hint}`);
    return lines.join('\n');
  }
}
