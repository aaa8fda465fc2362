import { join } from 'node:path';
import { functionCode } from './function-node.ts';

/** Builders for the Node-RED node objects our flows use, with the properties Node-RED 4.1 saves. */

export type FlowNode = Record<string, unknown> & { id: string; type: string };

const SRC = join(import.meta.dirname, '..', 'src');

export function tab(id: string, label: string, info: string): FlowNode {
  return { id, type: 'tab', label, disabled: false, info, env: [] };
}

/** MQTT broker config: URL and client id from the environment; user/password as Node-RED credentials. */
export function mqttBroker(id: string, name: string, urlVar: string, clientIdVar: string): FlowNode {
  return {
    id,
    type: 'mqtt-broker',
    name,
    broker: '${' + urlVar + '}',
    port: '',
    clientid: '${' + clientIdVar + '}',
    autoConnect: true,
    usetls: false,
    protocolVersion: '4',
    keepalive: '60',
    // a persistent session: events published while Node-RED restarts wait in the broker
    cleansession: false,
    autoUnsubscribe: false,
    birthTopic: '',
    birthQos: '0',
    birthPayload: '',
    birthMsg: {},
    closeTopic: '',
    closeQos: '0',
    closePayload: '',
    closeMsg: {},
    willTopic: '',
    willQos: '0',
    willPayload: '',
    willMsg: {},
    userProps: '',
    sessionExpiry: '',
  };
}

interface Placed {
  z: string;
  x: number;
  y: number;
  wires: string[][];
}

export function mqttIn(id: string, name: string, topicVar: string, broker: string, at: Placed): FlowNode {
  return {
    id,
    type: 'mqtt in',
    z: at.z,
    name,
    topic: '${' + topicVar + '}',
    qos: '1',
    // text: the function node parses and counts what is not JSON
    datatype: 'utf8',
    broker,
    nl: false,
    rap: true,
    rh: 0,
    inputs: 0,
    x: at.x,
    y: at.y,
    wires: at.wires,
  };
}

export function tick(id: string, name: string, at: Placed): FlowNode {
  return {
    id,
    type: 'inject',
    z: at.z,
    name,
    props: [{ p: 'topic', vt: 'str' }],
    repeat: '1',
    crontab: '',
    once: true,
    onceDelay: '1',
    topic: 'tick',
    x: at.x,
    y: at.y,
    wires: at.wires,
  };
}

export function fn(id: string, name: string, source: string, outputs: number, at: Placed): FlowNode {
  const code = functionCode(join(SRC, source));
  return {
    id,
    type: 'function',
    z: at.z,
    name,
    func: code.func,
    outputs,
    timeout: 0,
    noerr: 0,
    initialize: code.initialize,
    finalize: code.finalize,
    libs: code.libs,
    x: at.x,
    y: at.y,
    wires: at.wires,
  };
}

/** The URL, method and headers come from the message (msg.url, msg.method, msg.headers). */
export function httpRequest(id: string, name: string, at: Placed): FlowNode {
  return {
    id,
    type: 'http request',
    z: at.z,
    name,
    method: 'use',
    ret: 'txt',
    paytoqs: 'ignore',
    url: '',
    tls: '',
    // keep-alive: the forwarder sends one request after another to the same endpoint
    persist: true,
    proxy: '',
    insecureHTTPParser: false,
    authType: '',
    senderr: false,
    headers: [],
    x: at.x,
    y: at.y,
    wires: at.wires,
  };
}

/** Holds each message for msg.delay milliseconds. */
export function delayByMessage(id: string, name: string, at: Placed): FlowNode {
  return {
    id,
    type: 'delay',
    z: at.z,
    name,
    pauseType: 'delayv',
    timeout: '5',
    timeoutUnits: 'seconds',
    rate: '1',
    nbRateUnits: '1',
    rateUnits: 'second',
    randomFirst: '1',
    randomLast: '5',
    randomUnits: 'seconds',
    drop: false,
    allowrate: false,
    outputs: 1,
    x: at.x,
    y: at.y,
    wires: at.wires,
  };
}
