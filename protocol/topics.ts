/**
 * MQTT topics. Ids are checked with isValidId before they reach a topic, so no id can
 * contain '/', '+' or '#'.
 *
 * Local broker (park LAN):
 *   pw/v1/node/<node>/up                 node -> gateway, signed messages (QoS 1)
 *   pw/v1/node/<node>/down               gateway -> node, signed commands (QoS 1)
 *   pw/v1/node/<node>/will               the node's last-will ("offline"), a hint only: unsigned
 *   pw/v1/gw/<gw>/state                  retained gateway state, last-will "offline"
 *   pw/v1/gw/<gw>/event/<kind>           decided events for the panel and Node-RED
 *   pw/v1/gw/<gw>/node/<node>/state      retained node state
 * Cloud broker:
 *   pw/v1/park/<park>/gw/<gw>/event/<kind>
 *   pw/v1/park/<park>/gw/<gw>/state      retained, last-will "offline"
 *   pw/v1/park/<park>/gw/<gw>/node/<node>/state   retained
 *   pw/v1/park/<park>/gw/<gw>/cmd        commands from the cloud (acknowledge, silence, config)
 *   pw/v1/park/<park>/gw/<gw>/cmd/reply  results of those commands
 */
export const TOPIC_ROOT = 'pw/v1';

export function nodeUp(node: string): string {
  return TOPIC_ROOT + '/node/' + node + '/up';
}
export function nodeDown(node: string): string {
  return TOPIC_ROOT + '/node/' + node + '/down';
}
export function nodeWill(node: string): string {
  return TOPIC_ROOT + '/node/' + node + '/will';
}
/** Wildcard for every node's up topic. */
export const ALL_NODES_UP = TOPIC_ROOT + '/node/+/up';
export const ALL_NODES_WILL = TOPIC_ROOT + '/node/+/will';

/** Returns the node id of a node topic with the given last level ("up", "down", "will"). */
export function nodeOfTopic(topic: string, last: string): string | undefined {
  const parts = topic.split('/');
  if (parts.length !== 5 || parts[0] + '/' + parts[1] !== TOPIC_ROOT || parts[2] !== 'node' || parts[4] !== last) {
    return undefined;
  }
  return parts[3];
}

export function gatewayState(gw: string): string {
  return TOPIC_ROOT + '/gw/' + gw + '/state';
}
export function gatewayEvent(gw: string, kind: string): string {
  return TOPIC_ROOT + '/gw/' + gw + '/event/' + kind;
}
export function gatewayNodeState(gw: string, node: string): string {
  return TOPIC_ROOT + '/gw/' + gw + '/node/' + node + '/state';
}

function cloudBase(park: string, gw: string): string {
  return TOPIC_ROOT + '/park/' + park + '/gw/' + gw;
}
export function cloudEvent(park: string, gw: string, kind: string): string {
  return cloudBase(park, gw) + '/event/' + kind;
}
export function cloudState(park: string, gw: string): string {
  return cloudBase(park, gw) + '/state';
}
export function cloudNodeState(park: string, gw: string, node: string): string {
  return cloudBase(park, gw) + '/node/' + node + '/state';
}
export function cloudCommand(park: string, gw: string): string {
  return cloudBase(park, gw) + '/cmd';
}
export function cloudCommandReply(park: string, gw: string): string {
  return cloudBase(park, gw) + '/cmd/reply';
}
/** Every gateway's events in every park, for cloud-side consumers. */
export const CLOUD_ALL_EVENTS = TOPIC_ROOT + '/park/+/gw/+/event/#';
