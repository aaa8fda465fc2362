import { createConnection, type Socket } from 'node:net';
import { SerialPort } from 'serialport';
import { FlashError } from './errors.ts';
import type { EspruinoDevice } from './espruino-tools.ts';
import { XonXoffGate } from './flow-control.ts';

/**
 * The one transport EspruinoTools gets: a serial port (the `serialport` package, locked so a
 * second program cannot share it) or `tcp://HOST:PORT` (an ESP32's Espruino console on Wi-Fi,
 * served over telnet). Its own node transports give no reason when they fail (a port path that
 * is not in the USB list is "not found", a refused TCP connection hangs), so parkwatch supplies
 * this one and keeps the reason of a failure for the installer.
 */
export interface PortDevice extends EspruinoDevice {
  /** why the last open failed or the line dropped, as an installer-facing error */
  failure(): FlashError | undefined;
}

export function isTcpPort(port: string): boolean {
  return port.startsWith('tcp://');
}

export function parseTcpPort(port: string): { host: string; port: number } {
  const rest = port.slice('tcp://'.length);
  const colon = rest.lastIndexOf(':');
  const host = colon >= 0 ? rest.slice(0, colon) : rest;
  const number = colon >= 0 ? Number(rest.slice(colon + 1)) : 23;
  if (!host || !Number.isInteger(number) || number < 1 || number > 65535) {
    throw new FlashError('port_open', {
      zh: `网络端口写法不对：${port}`,
      en: `bad network port ${port}`,
      hint: '写成 / write it as tcp://192.168.1.50:23',
    });
  }
  return { host, port: number };
}

function serialFailure(path: string, err: NodeJS.ErrnoException): FlashError {
  const text = `${err.code ?? ''} ${err.message}`;
  if (/ENOENT|No such file|cannot open/i.test(text) && !/busy|lock/i.test(text)) {
    return new FlashError('port_missing', {
      zh: `找不到串口 ${path}`,
      en: `serial port ${path} does not exist`,
      hint: '插好 USB 线，用 ls /dev/ttyUSB* /dev/ttyACM* 找到端口 / plug in the USB cable and find the port with ls /dev/ttyUSB* /dev/ttyACM*',
    });
  }
  if (/EBUSY|lock|Resource temporarily unavailable|EACCES|Permission denied/i.test(text)) {
    const perm = /EACCES|Permission denied/i.test(text);
    return new FlashError(perm ? 'port_open' : 'port_busy', {
      zh: perm ? `没有权限打开串口 ${path}` : `串口 ${path} 正被其他程序占用`,
      en: perm ? `no permission to open ${path}` : `serial port ${path} is in use by another program`,
      hint: perm
        ? '把用户加入 dialout 组 / add your user to the dialout group'
        : '关闭串口终端 (screen, minicom, Web IDE) 或网关 / close serial terminals (screen, minicom, Web IDE) or the gateway',
    });
  }
  return new FlashError('port_open', {
    zh: `无法打开串口 ${path}`,
    en: `cannot open serial port ${path}: ${err.message}`,
  });
}

function tcpFailure(port: string, err: NodeJS.ErrnoException): FlashError {
  return new FlashError('port_open', {
    zh: `无法连接节点的网络控制台 ${port}`,
    en: `cannot reach the node's network console ${port}: ${err.code ?? err.message}`,
    hint: '确认节点已联网、地址正确、没有别人连着它的 telnet 控制台 / check the node is on Wi-Fi, the address is right and nobody else holds its telnet console',
  });
}

function lineLost(port: string): FlashError {
  return new FlashError('port_lost', {
    zh: `与 ${port} 的连接中断`,
    en: `the connection to ${port} dropped`,
    hint: '检查 USB 线或 Wi-Fi 后重试 / check the USB cable or Wi-Fi and run again',
  });
}

function toArrayBuffer(chunk: Buffer): ArrayBuffer {
  const copy = new Uint8Array(chunk.length);
  copy.set(chunk);
  return copy.buffer;
}

export function createPortDevice(portName: string, baud: number): PortDevice {
  let failure: FlashError | undefined;
  let serial: SerialPort | undefined;
  let socket: Socket | undefined;
  let closing = false;
  const gate = new XonXoffGate();

  const dropped = (disconnected: () => void) => {
    if (!closing && !failure) failure = lineLost(portName);
    disconnected();
  };

  const openSerial: EspruinoDevice['open'] = (path, opened, received, disconnected) => {
    const port = new SerialPort({ path, baudRate: baud, autoOpen: false, lock: true });
    port.open((err) => {
      if (err) {
        failure = serialFailure(path, err as NodeJS.ErrnoException);
        opened(undefined);
        return;
      }
      serial = port;
      port.on('data', (chunk: Buffer) => {
        gate.observe(chunk);
        received(toArrayBuffer(chunk));
      });
      // a read or write error on an open port (adapter pulled) ends in 'close'; keep it from crashing
      port.on('error', () => {});
      port.on('close', () => dropped(disconnected));
      opened('Ok');
    });
  };

  const openTcp: EspruinoDevice['open'] = (path, opened, received, disconnected) => {
    let target: { host: string; port: number };
    try {
      target = parseTcpPort(path);
    } catch (err) {
      failure = err as FlashError;
      opened(undefined);
      return;
    }
    let connected = false;
    const s = createConnection(target.port, target.host);
    s.setNoDelay(true);
    s.setTimeout(10_000, () => s.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })));
    s.on('connect', () => {
      connected = true;
      s.setTimeout(0);
      socket = s;
      opened('Ok');
    });
    s.on('data', (chunk: Buffer) => {
      gate.observe(chunk);
      received(toArrayBuffer(chunk));
    });
    s.on('error', (err: NodeJS.ErrnoException) => {
      if (!connected) failure = tcpFailure(path, err);
    });
    s.on('close', () => {
      if (connected) dropped(disconnected);
      else opened(undefined);
    });
  };

  return {
    name: 'parkwatch port',
    getPorts: (cb) => cb([{ path: portName, description: 'parkwatch' }], true),
    open: isTcpPort(portName) ? openTcp : openSerial,
    // one char per byte: EspruinoTools strings are binary strings, never UTF-8 text
    write: (data, done) => {
      const bytes = Buffer.from(data, 'latin1');
      gate.whenOpen(() => {
        if (serial?.isOpen) serial.write(bytes, () => serial?.drain(() => done()));
        else if (socket && !socket.destroyed) socket.write(bytes, () => done());
        else done();
      });
    },
    close: () => {
      closing = true;
      gate.clear();
      if (serial?.isOpen) serial.close();
      socket?.end();
      socket?.destroy();
    },
    failure: () => failure,
  };
}
