import type { Logger } from 'pino';

/**
 * Starts and stops the gateway's stages. Each stage starts in its own try/catch: a broken
 * stage (a serial port config, the panel, the uplink's TLS files) logs an error and is
 * reported through `onFailed` (the gateway raises a trouble) while the others keep running.
 * Stages stop in reverse order.
 */
export interface Stage {
  name: string;
  start(): Promise<void> | void;
  stop(): Promise<void> | void;
}

export class Controller {
  private started: Stage[] = [];
  readonly failed = new Map<string, string>();

  constructor(
    private logger: Logger,
    private onFailed: (stage: string, error: string) => void,
  ) {}

  async start(stages: Stage[]): Promise<void> {
    for (const stage of stages) {
      try {
        await stage.start();
        this.started.push(stage);
        this.logger.debug({ stage: stage.name }, 'stage started');
      } catch (err) {
        const message = (err as Error).message;
        this.failed.set(stage.name, message);
        this.logger.error({ stage: stage.name, err: message }, `组件启动失败 / stage failed to start: ${stage.name}`);
        this.onFailed(stage.name, message);
      }
    }
  }

  async stop(): Promise<void> {
    for (const stage of this.started.reverse()) {
      try {
        await stage.stop();
      } catch (err) {
        this.logger.error({ stage: stage.name, err: (err as Error).message }, 'stage failed to stop');
      }
    }
    this.started = [];
  }
}
