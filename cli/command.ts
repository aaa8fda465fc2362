/** One `parkwatch` sub-command. `run` gets the arguments after the command's words and returns the exit status. */
export interface Command {
  /** the words that select it, e.g. ["firmware", "check"] */
  words: string[];
  usage: string;
  /** one line, Chinese then English */
  summary: string;
  run: (args: string[]) => Promise<number>;
}
