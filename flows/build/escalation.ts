import { delayByMessage, type FlowNode, fn, httpRequest, mqttBroker, mqttIn, tab, tick } from './nodes.ts';

/** flows/escalation.json: fire/water alarm -> enterprise contact -> park security -> duty line. */
export function escalationFlow(): FlowNode[] {
  const z = 'pw-esc-tab';
  const at = (x: number, y: number, ...wires: string[][]) => ({ z, x, y, wires });
  return [
    tab(
      z,
      'parkwatch 报警升级 / alarm escalation',
      [
        '火警或漏水报警：先通知企业安全负责人；无人确认则依次通知园区安保、应急管理值班。',
        'Fire or water alarm: tell the enterprise safety contact; if nobody acknowledges, park security, then the',
        'emergency-management duty line. Contacts, URLs and timers come from environment variables (docs/flows.md).',
      ].join('\n'),
    ),
    mqttBroker('pw-esc-broker', 'parkwatch MQTT (升级 / escalation)', 'PW_MQTT_URL', 'PW_ESC_CLIENT_ID'),
    mqttIn(
      'pw-esc-events',
      '网关事件 / gateway events',
      'PW_ESC_TOPIC',
      'pw-esc-broker',
      at(150, 100, ['pw-esc-book']),
    ),
    tick('pw-esc-tick', '每秒 / every second', at(150, 160, ['pw-esc-book'])),
    fn('pw-esc-book', '升级簿 / escalation book', 'escalation/book.ts', 1, at(390, 130, ['pw-esc-notify'])),
    fn('pw-esc-notify', '通知内容 / notification', 'escalation/notify.ts', 1, at(620, 130, ['pw-esc-sign'])),
    fn('pw-esc-sign', '签名发送 / sign and send', 'escalation/sign.ts', 1, at(840, 130, ['pw-esc-http'])),
    httpRequest('pw-esc-http', 'webhook', at(1030, 130, ['pw-esc-delivery'])),
    fn('pw-esc-delivery', '送达结果 / delivery result', 'escalation/delivery.ts', 1, at(1230, 130, ['pw-esc-retry'])),
    delayByMessage('pw-esc-retry', '重试等待 / retry back-off', at(1030, 220, ['pw-esc-sign'])),
  ];
}
