// Loaded into the gateway process with `node --import` for the clock-jump chaos test: the
// process's wall clock (Date.now, new Date()) is shifted by the number of ms in the file named
// by PW_CLOCK_OFFSET_FILE, re-read on SIGUSR2: a wall-clock step as NTP or an operator makes
// it, while monotonic time (timers, performance.now) runs on, as it does on a real machine.
import { readFileSync } from 'node:fs';

const file = process.env.PW_CLOCK_OFFSET_FILE;
const RealDate = Date;
const realNow = RealDate.now.bind(RealDate);
let offset = 0;

function reread() {
  try {
    offset = Number(readFileSync(file, 'utf8')) || 0;
  } catch {
    offset = 0;
  }
}
reread();
process.on('SIGUSR2', reread);

class ShiftedDate extends RealDate {
  constructor(...args) {
    if (args.length === 0) super(realNow() + offset);
    else super(...args);
  }
  static now() {
    return realNow() + offset;
  }
}
globalThis.Date = ShiftedDate;
