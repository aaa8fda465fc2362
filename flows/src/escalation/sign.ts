/**
 * Function node "sign and send": sets the http request node's inputs from a pending request,
 * on the first try and on every retry. DingTalk's "加签" signature holds a timestamp that the
 * robot accepts for one hour only, so it is computed here, just before each try.
 */
import type * as Crypto from 'node:crypto';
import type { NodeMessage, NodeOutput } from '../node-red.ts';
import type { PendingRequest } from './types.ts';

export function onMessage(msg: NodeMessage, crypto: typeof Crypto): NodeOutput {
  const request = msg.pwRequest as PendingRequest;
  let url = request.url;
  if (request.dingtalkSecret) {
    const timestamp = Date.now();
    const secret = request.dingtalkSecret;
    const sign = crypto
      .createHmac('sha256', secret)
      .update(timestamp + '\n' + secret)
      .digest('base64');
    url += (url.includes('?') ? '&' : '?') + 'timestamp=' + timestamp + '&sign=' + encodeURIComponent(sign);
  }
  return {
    topic: request.what,
    url,
    method: 'POST',
    headers: { ...request.headers },
    payload: JSON.stringify(request.body),
    requestTimeout: 10000,
    pwRequest: request,
  };
}
