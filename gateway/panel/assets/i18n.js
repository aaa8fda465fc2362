// Chinese first, English by the switch; the choice is remembered in localStorage.
const TEXT = {
  title: ['园区火灾与水浸报警', 'Park fire and water alarms'],
  alarms: ['报警', 'Alarms'],
  activeAlarms: ['当前报警', 'Active alarms'],
  unacknowledged: ['未确认', 'Unacknowledged'],
  troubles: ['故障', 'Troubles'],
  offline: ['离线节点', 'Offline nodes'],
  nodes: ['节点', 'Nodes'],
  history: ['历史', 'History'],
  abuse: ['拒绝统计', 'Refusals'],
  login: ['登录', 'Log in'],
  logout: ['退出', 'Log out'],
  user: ['用户名', 'User name'],
  password: ['密码', 'Password'],
  setupTitle: ['创建第一个管理员', 'Create the first admin'],
  setupToken: ['一次性设置令牌（见网关日志）', 'One-time setup token (see the gateway log)'],
  create: ['创建', 'Create'],
  soundOn: ['开启声音', 'Sound on'],
  soundOff: ['本机静音', 'Mute here'],
  soundNeeded: ['点击开启报警声音', 'Click to enable the alarm sound'],
  live: ['实时', 'Live'],
  reconnecting: ['正在重连…', 'Reconnecting…'],
  noAlarms: ['没有报警，一切正常', 'No alarms: all normal'],
  acknowledge: ['确认', 'Acknowledge'],
  silence: ['消音', 'Silence'],
  reset: ['复位', 'Reset'],
  note: ['备注', 'Note'],
  detail: ['详情', 'Detail'],
  plans: ['平面图', 'Site plans'],
  sitePlan: ['平面图', 'Site plan'],
  building: ['楼栋 / 区域', 'Building'],
  uploadPlan: ['上传平面图（SVG 或 PNG，最大 2 MB）', 'Upload a plan (SVG or PNG, at most 2 MB)'],
  savePositions: ['保存节点位置', 'Save node positions'],
  dragHint: ['把节点拖到平面图上的安装位置，然后保存', 'Drag each node to where it is installed, then save'],
  exportPlans: ['导出平面图与节点位置', 'Export plans and node positions'],
  importPlans: ['导入平面图文件（.json）', 'Import a plan file (.json)'],
  'import.sites': ['已导入的平面图', 'Plans imported'],
  'import.placed': ['已放置的节点', 'Nodes placed'],
  'import.unknown': ['本网关未登记，位置未导入', 'Not registered here, position skipped'],
  'import.elsewhere': ['登记在其他楼栋，位置未导入', 'Registered in another building, position skipped'],
  noPlan: ['这个楼栋还没有平面图：请上传', 'This building has no plan yet: upload one'],
  cloudLink: ['云端连接', 'Cloud link'],
  outboxDepth: ['待上报事件', 'Events waiting to send'],
  'cloud.none': ['未配置', 'not configured'],
  'cloud.connecting': ['正在连接', 'connecting'],
  'cloud.connected': ['正常', 'connected'],
  'cloud.waiting': ['断开，等待重连', 'down, retrying'],
  'cloud.stopped': ['已停止', 'stopped'],
  // the GB/T 26875 link to the city fire monitoring centre; "{d}" is a duration
  centreLink: ['消防监控中心', 'Fire monitoring centre'],
  'centre.disabled': ['未启用', 'not enabled'],
  'centre.idle': ['已停止', 'stopped'],
  'centre.connecting': ['正在连接', 'connecting'],
  'centre.connected': ['正常', 'connected'],
  'centre.waiting': ['断开，等待重连', 'down, retrying'],
  'centre.nextTry': ['{d}后重试', 'next try in {d}'],
  'centre.downFor': ['已中断{d}', 'down for {d}'],
  'centre.queued': ['待送监控中心', 'Waiting for the centre'],
  'centre.oldest': ['最早未确认', 'Oldest unconfirmed'],
  'centre.lastConfirm': ['中心最近确认', 'Last confirmed by the centre'],
  'centre.denied': ['被中心否认', 'Denied by the centre'],
  'centre.dropped': ['已放弃', 'given up'],
  'centre.overdue': ['火警暂时无法送达监控中心', 'fire alarms cannot reach the centre now'],
  soundPrompt: ['轻触屏幕任意处，开启报警声音', 'Touch the screen anywhere to turn the alarm sound on'],
  test: ['测试', 'Test'],
  save: ['保存', 'Save'],
  cancel: ['取消', 'Cancel'],
  notePlaceholder: ['例如：误报：焊接烟雾', 'e.g. false alarm: welding fumes'],
  since: ['开始', 'Since'],
  by: ['操作人', 'By'],
  node: ['节点', 'Node'],
  place: ['位置', 'Place'],
  state: ['状态', 'State'],
  online: ['在线', 'Online'],
  lastSeen: ['最后上报', 'Last seen'],
  battery: ['电池', 'Battery'],
  signal: ['信号', 'Signal'],
  firmware: ['固件', 'Firmware'],
  channels: ['通道', 'Channels'],
  time: ['时间', 'Time'],
  kind: ['类型', 'Kind'],
  enterprise: ['企业', 'Enterprise'],
  drill: ['演练', 'DRILL'],
  drills: ['演练', 'Drills'],
  drillStart: ['开始演练', 'Start a drill'],
  drillStop: ['结束演练', 'Stop the drill'],
  drillRunning: ['正在演练', 'Drills running'],
  drillRecent: ['最近的演练', 'Recent drills'],
  noDrills: ['没有进行中的演练', 'No drill running'],
  scenario: ['科目', 'Scenario'],
  'scenario.fire': ['火灾', 'Fire'],
  'scenario.water': ['漏水', 'Water leak'],
  started: ['开始', 'Started'],
  stopped: ['结束', 'Stopped'],
  allZones: ['全部区域', 'All zones'],
  zone: ['区域', 'Zone'],
  from: ['从', 'From'],
  to: ['到', 'To'],
  all: ['全部', 'All'],
  search: ['查询', 'Search'],
  exportCsv: ['导出 CSV', 'Export CSV'],
  more: ['更多', 'More'],
  readings: ['近期读数', 'Recent readings'],
  recentEvents: ['近期事件', 'Recent events'],
  noReadings: ['此时间段没有读数', 'No readings in this period'],
  hours: ['小时', 'hours'],
  kiosk: ['大屏（只读）', 'Wall screen (read only)'],
  done: ['已完成', 'Done'],
  latched: ['锁存', 'Latched'],
  hushedUntil: ['消音至', 'Hushed until'],
  yes: ['是', 'yes'],
  no: ['否', 'no'],
  reason: ['原因', 'Reason'],
  count: ['次数', 'Count'],
  source: ['来源', 'Source'],
  gatewayRefusals: ['网关拒绝的消息', 'Messages the gateway refused'],
  panelRefusals: ['面板拒绝的请求', 'Requests the panel refused'],
  back: ['返回', 'Back'],
  incidents: ['事件档案', 'Incidents'],
  noIncidents: ['还没有事件档案', 'No incidents yet'],
  opened: ['开始', 'Opened'],
  cause: ['原因', 'Cause'],
  alarmToAck: ['报警到确认', 'Alarm to acknowledge'],
  alarmToClear: ['报警到恢复', 'Alarm to clear'],
  timeline: ['时间线', 'Timeline'],
  step: ['步骤', 'Step'],
  who: ['人员、说明', 'Who, note'],
  closeIncident: ['结案', 'Close with a cause'],
  exportJson: ['导出证据包（JSON）', 'Export evidence packet (JSON)'],
  exportHtml: ['导出打印页（HTML）', 'Export printable page (HTML)'],
  'incident.open': ['报警中', 'open'],
  'incident.ended': ['报警已结束，待结案', 'ended, awaiting a cause'],
  'incident.closed': ['已结案', 'closed'],
  'cause.real_fire': ['真实火情', 'real fire'],
  'cause.real_leak': ['真实漏水', 'real leak'],
  'cause.false_cooking': ['误报：烹饪', 'false: cooking'],
  'cause.false_steam': ['误报：水蒸气', 'false: steam'],
  'cause.false_dust': ['误报：粉尘', 'false: dust'],
  'cause.false_welding': ['误报：焊接', 'false: welding'],
  'cause.false_fault': ['误报：设备故障', 'false: fault'],
  'cause.test': ['测试', 'test'],
  'cause.drill': ['演练', 'drill'],
  'step.node_prealarm': ['节点预警', 'pre-alarm at the node'],
  'step.node_alarm': ['节点确认报警', 'verified alarm at the node'],
  'step.node_alarm_again': ['节点再次报警', 'alarm again at the node'],
  'step.node_clear': ['节点恢复正常', 'node back to normal'],
  'step.gateway_receipt': ['网关收到', 'received by the gateway'],
  'step.stored': ['已存储', 'stored'],
  'step.forwarded': ['已送达云端（PUBACK）', 'forwarded to the cloud (PUBACK)'],
  'step.acknowledge': ['确认', 'acknowledged'],
  'step.silence': ['消音', 'silenced'],
  'step.reset': ['复位', 'reset'],
  'step.note': ['备注', 'note'],
  'step.close': ['结案', 'closed'],
  'kind.hello': ['上线', 'hello'],
  'kind.telemetry': ['读数', 'telemetry'],
  'kind.prealarm': ['预警', 'pre-alarm'],
  'kind.alarm': ['报警', 'alarm'],
  'kind.clear': ['恢复', 'clear'],
  'kind.trouble': ['故障', 'trouble'],
  'kind.trouble_clear': ['故障恢复', 'trouble cleared'],
  'kind.test': ['测试', 'test'],
  'kind.hush': ['消音', 'hush'],
  'kind.ack': ['命令回执', 'command ack'],
  'kind.acknowledge': ['确认', 'acknowledged'],
  'kind.silence': ['消音', 'silenced'],
  'kind.reset': ['复位', 'reset'],
  'kind.note': ['备注', 'note'],
  'kind.test_request': ['测试请求', 'test requested'],
  'kind.hazard': ['隐患', 'hazard'],
  'hazard.tamper': ['防拆报警', 'tamper'],
  'hazard.offline': ['节点离线', 'node offline'],
  'hazard.sensor_open': ['传感器开路', 'sensor open circuit'],
  'hazard.sensor_short': ['传感器短路', 'sensor short circuit'],
  'hazard.battery_low': ['电池电量低', 'low battery'],
  'hazard.false_alarms': ['多次误报', 'repeated false alarms'],
  'hazard.dirty': ['探测器脏污', 'detector dirty'],
  'severity.high': ['重大', 'high'],
  'severity.medium': ['较大', 'medium'],
  'severity.low': ['一般', 'low'],
  'hazardState.open': ['待整改', 'open'],
  'hazardState.rectifying': ['整改中', 'rectifying'],
  'hazardState.closed': ['已关闭', 'closed'],
  deadline: ['期限', 'deadline'],
  overdue: ['已逾期', 'OVERDUE'],
  'priority.fire': ['火警', 'Fire'],
  'priority.water': ['水浸', 'Water'],
  'priority.trouble': ['故障', 'Trouble'],
  'priority.info': ['信息', 'Info'],
  'priority.telemetry': ['读数', 'Telemetry'],
  'state.active': ['未确认', 'active'],
  'state.acknowledged': ['已确认', 'acknowledged'],
  'state.cleared': ['已恢复', 'cleared'],
  'state.closed': ['已关闭', 'closed'],
  'trouble.unconfigured': ['未配置', 'unconfigured'],
  'trouble.sensor_open': ['传感器开路', 'sensor open'],
  'trouble.sensor_short': ['传感器短路', 'sensor short'],
  'trouble.dirty': ['探测器污染需清洁', 'dirty, needs cleaning'],
  'trouble.battery_low': ['电池电量低', 'battery low'],
  'trouble.tamper': ['防拆', 'tamper'],
  'trouble.offline': ['离线', 'offline'],
  'trouble.link': ['串口断开', 'serial link lost'],
  'trouble.quota': ['存储超限', 'storage over quota'],
  'trouble.clock': ['网关时钟未同步', 'gateway clock not synchronised'],
  'trouble.centre_link': ['消防监控中心链路中断', 'fire monitoring centre link down'],
  'group.alarm': ['报警与预警', 'Alarms and pre-alarms'],
  'group.trouble': ['故障', 'Troubles'],
  'group.operator': ['人员操作', 'Operator actions'],
  'group.test': ['测试', 'Tests'],
  'group.readings': ['读数', 'Readings'],
  // channel names a node config uses; other names are the installer's own words and shown as they are
  'ch.smoke': ['烟感', 'smoke'],
  'ch.water': ['水浸', 'water'],
  'ch.leak': ['漏水', 'leak'],
  'ch.heat': ['温感', 'heat'],
  // a channel's state as the node reports it (NodeState.channels)
  'chstate.normal': ['正常', 'normal'],
  'chstate.prealarm': ['预警', 'pre-alarm'],
  'chstate.alarm': ['报警', 'alarm'],
  'chstate.hushed': ['已消音', 'hushed'],
  'chstate.trouble': ['故障', 'trouble'],
  'chstate.test': ['测试中', 'testing'],
  'contact.wet': ['有水', 'wet'],
  'contact.dry': ['无水', 'dry'],
  'via.button': ['现场按钮', 'the button on the node'],
  'via.command': ['远程命令', 'a command'],
  prealarmLine: ['预警阈值', 'pre-alarm threshold'],
  alarmLine: ['报警阈值', 'alarm threshold'],
  baseline: ['基线', 'baseline'],
  // why the gateway refused a node message (Verifier, pipeline) and why the panel refused a request
  'refusal.malformed': ['格式错误', 'malformed'],
  'refusal.schema': ['内容不符合协议', 'not as the protocol says'],
  'refusal.unknown_node': ['未登记的节点', 'unknown node'],
  'refusal.topic_mismatch': ['主题与节点不符', 'topic does not match the node'],
  'refusal.bad_signature': ['签名错误', 'bad signature'],
  'refusal.duplicate': ['重复消息', 'duplicate'],
  'refusal.replay': ['重放的旧消息', 'replayed old message'],
  'refusal.rate_limited': ['发送过快', 'too many messages'],
  'refusal.login_failed': ['登录失败', 'failed logins'],
  'refusal.login_rate_limited': ['登录限速', 'logins rate-limited'],
  'refusal.csrf_refused': ['安全令牌无效', 'bad security token'],
  'refusal.forbidden': ['角色无权限', 'role not allowed'],
  'refusal.bad_request': ['无效请求', 'invalid requests'],
};

let lang = localStorage.getItem('pw.lang') === 'en' ? 'en' : 'zh';

/** Keys asked for but missing, on <html data-untranslated> where the layout test looks for them. */
const missing = new Set();

export function t(key) {
  const pair = TEXT[key];
  if (pair) return pair[lang === 'zh' ? 0 : 1];
  missing.add(key);
  document.documentElement.dataset.untranslated = [...missing].join(' ');
  return key.includes('.') ? key.slice(key.indexOf('.') + 1) : key;
}

/** The translation when there is one, else the text as it is (names chosen by people, not codes). */
export function tOr(key, text) {
  const pair = TEXT[key];
  return pair ? pair[lang === 'zh' ? 0 : 1] : text;
}

/** The gateway's messages are "中文 / English": the half in the panel's language. */
export function inLang(message) {
  const i = String(message).indexOf(' / ');
  if (i < 0) return String(message);
  return lang === 'zh' ? message.slice(0, i) : message.slice(i + 3);
}

export function currentLang() {
  return lang;
}

export function setLang(next) {
  lang = next === 'en' ? 'en' : 'zh';
  localStorage.setItem('pw.lang', lang);
  document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
}

/** The panel's locale, never the browser's: an en-US browser still shows the panel's dates. */
export function locale() {
  return lang === 'zh' ? 'zh-CN' : 'en-GB';
}

const formats = new Map();
function format(kind, options) {
  const key = `${lang}:${kind}`;
  if (!formats.has(key)) formats.set(key, new Intl.DateTimeFormat(locale(), { hourCycle: 'h23', ...options }));
  return formats.get(key);
}

export function formatTime(ms) {
  if (ms === null || ms === undefined) return '—';
  return format('full', {
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).format(ms);
}

/** Clock time only, with seconds when asked (chart axes). */
export function formatClock(ms, withSeconds) {
  return format(withSeconds ? 'hms' : 'hm', {
    hour: '2-digit',
    minute: '2-digit',
    second: withSeconds ? '2-digit' : undefined,
  }).format(ms);
}

export function formatNumber(n, digits) {
  return new Intl.NumberFormat(locale(), { maximumFractionDigits: digits ?? 2 }).format(n);
}

/** "3 分钟" / "3 min", "1 小时 5 分钟" / "1 h 5 min": how long ago something began. */
export function formatSince(ms, now) {
  const s = Math.max(0, Math.floor((now - ms) / 1000));
  const unit = (n, u) => new Intl.NumberFormat(locale(), { style: 'unit', unit: u, unitDisplay: 'short' }).format(n);
  if (s < 60) return unit(s, 'second');
  const m = Math.floor(s / 60);
  if (m < 60) return unit(m, 'minute');
  const h = Math.floor(m / 60);
  if (h < 48) return `${unit(h, 'hour')} ${unit(m % 60, 'minute')}`;
  return unit(Math.floor(h / 24), 'day');
}
