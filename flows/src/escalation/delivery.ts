/**
 * Function node "delivery result": reads the http request node's answer and logs each
 * delivered notification (the Node-RED log is the record of who was told when). Its output
 * re-sends a failed one after a back-off (through a delay node, back to "sign and send") until PW_ESC_RETRIES tries are used up, then reports it.
 * WeCom and DingTalk answer HTTP 200 even on failure, with a non-zero "errcode" in the body.
 */
import type { ContextStore, EnvAccess, NodeApi, NodeMessage, NodeOutput } from '../node-red.ts';
import type { PendingRequest } from './types.ts';

export function onMessage(msg: NodeMessage, node: NodeApi, context: ContextStore, env: EnvAccess): NodeOutput {
  const request = msg.pwRequest as PendingRequest;
  const failure = failureOf(msg);
  const counters = (context.get('counters') as { delivered: number; retried: number; failed: number } | undefined) ?? {
    delivered: 0,
    retried: 0,
    failed: 0,
  };
  let out: NodeOutput = null;
  if (failure === null) {
    counters.delivered++;
    node.log('通知已送达 / notification delivered: ' + request.what + ' (try ' + request.attempt + ')');
  } else if (request.attempt < maxTries(env)) {
    counters.retried++;
    node.warn('通知发送失败，将重试 / notification failed, will retry: ' + request.what + ': ' + failure);
    const next = { ...request, attempt: request.attempt + 1 };
    const delayMs = retryDelayS(env) * 1000 * 2 ** (request.attempt - 1);
    out = { topic: next.what, pwRequest: next, delay: delayMs };
  } else {
    counters.failed++;
    node.error(
      '通知发送失败，已放弃 / notification failed, giving up after ' +
        request.attempt +
        ' tries: ' +
        request.what +
        ': ' +
        failure +
        ' (检查 webhook 地址和网络 / check the webhook URL and the network)',
      msg,
    );
  }
  context.set('counters', counters);
  node.status({
    fill: counters.failed > 0 ? 'red' : 'green',
    shape: 'dot',
    text: counters.delivered + ' 已送达 / delivered, ' + counters.failed + ' 失败 / failed',
  });
  return out;
}

/** null when delivered, else what went wrong */
function failureOf(msg: NodeMessage): string | null {
  const status = msg.statusCode;
  if (typeof status !== 'number') return 'no response (' + String(status) + ')';
  if (status < 200 || status > 299) return 'HTTP ' + status;
  try {
    const body = JSON.parse(String(msg.payload)) as { errcode?: number; errmsg?: string };
    if (typeof body.errcode === 'number' && body.errcode !== 0)
      return 'errcode ' + body.errcode + ' ' + (body.errmsg ?? '');
  } catch {
    // an SMS gateway may answer with plain text; 2xx is enough
  }
  return null;
}

function maxTries(env: EnvAccess): number {
  const value = Number(env.get('PW_ESC_RETRIES') || 4);
  return Number.isFinite(value) && value >= 1 ? value : 4;
}

function retryDelayS(env: EnvAccess): number {
  const value = Number(env.get('PW_ESC_RETRY_DELAY_S') || 5);
  return Number.isFinite(value) && value >= 0 ? value : 5;
}
