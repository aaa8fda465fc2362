import { type FlowNode, fn, httpRequest, mqttBroker, mqttIn, tab, tick } from './nodes.ts';

/** flows/cloud-ingest.json: cloud broker -> drop duplicates -> journal -> forward to an HTTP endpoint. */
export function cloudIngestFlow(): FlowNode[] {
  const z = 'pw-ingest-tab';
  const at = (x: number, y: number, ...wires: string[][]) => ({ z, x, y, wires });
  return [
    tab(
      z,
      'parkwatch 云端接收 / cloud ingest',
      [
        '订阅各网关的云端事件，按事件 id 去重，写入日志文件，再逐条转发给保险公司或应急管理部门的 HTTP 接口。',
        "Subscribes to the gateways' cloud events, drops duplicates by event id, keeps each in a journal file and",
        'forwards them one by one to the insurer or emergency-management HTTP endpoint (docs/flows.md).',
        "每个事件的哈希链接都会检查，断裂记入 chain-breaks.jsonl / every event's chain link is checked; breaks go to chain-breaks.jsonl.",
      ].join('\n'),
    ),
    mqttBroker('pw-ingest-broker', 'parkwatch 云端 MQTT / cloud MQTT', 'PW_CLOUD_MQTT_URL', 'PW_INGEST_CLIENT_ID'),
    mqttIn(
      'pw-ingest-events',
      '网关事件 / gateway events',
      'PW_INGEST_TOPIC',
      'pw-ingest-broker',
      at(150, 100, ['pw-ingest-journal', 'pw-ingest-chain']),
    ),
    fn('pw-ingest-chain', '链连续性 / chain continuity', 'cloud-ingest/continuity.ts', 1, at(400, 40, [])),
    fn(
      'pw-ingest-journal',
      '去重并存档 / drop duplicates, keep',
      'cloud-ingest/journal.ts',
      1,
      at(400, 100, ['pw-ingest-next']),
    ),
    tick('pw-ingest-tick', '每秒 / every second', at(400, 180, ['pw-ingest-next'])),
    fn(
      'pw-ingest-next',
      '转发：下一条 / forwarder: next',
      'cloud-ingest/forward-next.ts',
      1,
      at(660, 140, ['pw-ingest-http']),
    ),
    httpRequest('pw-ingest-http', '保险/应急接口 / insurer endpoint', at(900, 140, ['pw-ingest-result'])),
    fn(
      'pw-ingest-result',
      '转发：结果 / forwarder: result',
      'cloud-ingest/forward-result.ts',
      1,
      at(1140, 140, ['pw-ingest-next']),
    ),
  ];
}
