// Stored as `.boot0` in the interpreter's Storage, so it runs before the node script on every boot
// (Espruino runs .boot0 to .boot3, then .bootcde). It stands in for exactly what Espruino's Linux
// build lacks and an ESP32 board has: the ADC and GPIO on the ESP32 pin names, setWatch on them
// (with debounce), the hardware watchdog, the UART pins (a device path here) and E.reboot. The
// Wifi module is node_modules/Wifi.js beside it. A test drives inputs over the console with
// PW.a[pin] = 0..1 (analog) and PW.set(pin, 0|1) (digital). Everything else is Espruino's own.
// The built-ins are replaced through `global.`: a plain assignment to a built-in name throws.
var PW = { a: {}, d: {}, w: [], wd: 0, kick: 0 };
PW.set = (pin, v) => {
  PW.d[pin] = v;
  PW.w.forEach((w) => {
    if (w.pin !== pin) return;
    if (w.t) clearTimeout(w.t);
    // debounce as Espruino's: the new level must hold for `debounce` ms before the callback
    w.t = setTimeout(() => {
      w.t = undefined;
      var s = PW.d[w.pin];
      if (s === w.last) return;
      w.last = s;
      w.fn({ state: s === 1, time: getTime(), pin: w.pin });
    }, w.deb);
  });
};
/** Points a UART at a device path (on a board, setup's rx/tx name its pins). */
PW.uart = (u, path) => {
  var setup = u.setup;
  u.setup = (baud, o) => {
    o.path = path;
    setup.call(u, baud, o);
  };
};
global.analogRead = (pin) => PW.a[pin] || 0;
global.digitalRead = (pin) => PW.d[pin] || 0;
global.digitalWrite = (pin, v) => {
  PW.d[pin] = v ? 1 : 0;
};
global.pinMode = (pin, mode) => {
  if (PW.d[pin] === undefined) PW.d[pin] = mode === 'input_pullup' ? 1 : 0;
};
global.setWatch = (fn, pin, o) =>
  PW.w.push({ fn: fn, pin: pin, deb: o.debounce || 0, last: PW.d[pin] || 0, t: undefined });
E.enableWatchdog = (s) => {
  PW.wd = s;
  PW.kick = getTime();
  setInterval(() => {
    if (getTime() - PW.kick > PW.wd) console.log('PW-WATCHDOG expired');
  }, 1000);
};
E.kickWatchdog = () => {
  PW.kick = getTime();
};
// Linux has no reset: start again from Storage as a board does after its reset
E.reboot = () => {
  load();
};
require('Wifi');
// ESP32's Espruino lists Wifi among its built-in modules (the flash checks process.env.MODULES)
const env = process.env;
env.MODULES += ',Wifi';
process.env = env;
// The test's control line is a TCP socket, not the console: the Linux build reads console input
// on a second thread that races the main loop (jshPushIOCharEvents adds to an event the main loop
// may be popping), so typed lines arrive garbled or lose their newline on a loaded machine. A
// socket is read by the main loop itself. Each line is `TAG CODE`; the answer `TAG ok JSON` or
// `TAG err MESSAGE`. The server and its connection are part of the harness's measured cost.
PW.ctl = (port) => {
  require('net')
    .createServer((c) => {
      var buf = '';
      c.on('data', (d) => {
        var i, line, sp, r;
        buf += d;
        i = buf.indexOf('\n');
        while (i >= 0) {
          line = buf.substr(0, i);
          buf = buf.substr(i + 1);
          sp = line.indexOf(' ');
          try {
            // biome-ignore lint/security/noGlobalEval: the control line runs test code on the board, as its console would
            r = 'ok ' + JSON.stringify(eval(line.substr(sp + 1)));
          } catch (e) {
            r = 'err ' + JSON.stringify(String(e));
          }
          c.write(line.substr(0, sp) + ' ' + r + '\n');
          i = buf.indexOf('\n');
        }
      });
    })
    .listen(port);
};
