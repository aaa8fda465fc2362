import {
  encodeFrame,
  type FrameDecoder,
  type FrameReject,
  type FrameSink,
  frameDecoderClass,
} from '../../protocol/framing.ts';
import type { SerialLinkConfig } from '../config.ts';
import type { Board, WriteStream } from '../hal.ts';
import type { Link, LinkEvents } from './link.ts';

/**
 * The gateway on a UART: one framed line per message each way (protocol/framing.ts). Commands
 * arrive as frames; noise and broken frames are counted and dropped. Acknowledgements are the
 * gateway's `event_ack` commands, so a line that drops a frame only delays an event.
 *
 * Made by a factory when the config asks for serial: an MQTT node never creates these functions.
 */
export function serialLinkClass() {
  // The decoder's sink is the link itself (methods, not an object of closures: RAM).
  class SerialLink implements Link, FrameSink {
    up = false;
    private port: WriteStream | undefined;
    private decoder: FrameDecoder;

    constructor(
      private cfg: SerialLinkConfig,
      private board: Board,
      private events: LinkEvents,
    ) {
      this.decoder = new (frameDecoderClass())(this);
    }

    frame(payload: string): void {
      this.events.onCommand(payload);
    }

    /** A damaged frame is said on the console for the installer; chatter that is no frame is not. */
    reject(r: FrameReject): void {
      if (r.reason !== 'noise') this.board.log('PW-LINE ' + r.reason);
    }

    start(): void {
      this.port = this.board.setup!.uart({
        port: this.cfg.uart,
        baud: this.cfg.baud,
        rx: this.cfg.rx,
        tx: this.cfg.tx,
        onReadable: (data) => this.decoder.push(data),
      });
      this.up = true;
      this.events.flush(true);
    }

    send(wire: string): boolean {
      if (!this.port) return false;
      this.port.write(encodeFrame(wire));
      return true;
    }
  }
  return SerialLink;
}

export type SerialLink = InstanceType<ReturnType<typeof serialLinkClass>>;
