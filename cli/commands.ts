import type { Command } from './command.ts';

/**
 * Every command that exists. Each entry loads its module only when it runs, so
 * `parkwatch firmware check` does not load SQLite or MQTT.
 */
export const COMMANDS: Command[] = [
  {
    words: ['firmware', 'check'],
    usage: 'parkwatch firmware check FILE...',
    summary: '检查固件脚本是否只用 Espruino 支持的语法 / check a script uses only what Espruino runs',
    run: async (args) => (await import('../firmware/check/cli.ts')).runCheck(args),
  },
  {
    words: ['firmware', 'build'],
    usage: 'parkwatch firmware build [--no-typecheck]',
    summary: '构建传感器节点固件脚本 / build the sensor-node script firmware/dist/parkwatch-node.js',
    run: async (args) => (await import('../firmware/build.ts')).runBuild(args),
  },
  {
    words: ['flows', 'build'],
    usage: 'parkwatch flows build',
    summary: '由 flows/src 生成 Node-RED 流程文件 / write the Node-RED flow files from flows/src',
    run: async (args) => (await import('../flows/build/index.ts')).runBuild(args),
  },
  {
    words: ['flash'],
    usage:
      'parkwatch flash --port /dev/ttyUSB0|tcp://HOST:PORT --node node.json [--script FILE] [--timeout S] [--baud N] [--fast] [--verbose] | --dry-run --out FILE',
    summary: '烧录并调试传感器节点 / flash a sensor node, write its config and check its first readings',
    run: async (args) => (await import('../firmware/flash/cli.ts')).runFlash(args),
  },
  {
    words: ['users'],
    usage:
      'parkwatch users add NAME --role viewer|operator|admin | passwd NAME | remove NAME | list | kiosk add LABEL [--url URL] | kiosk list | kiosk remove LABEL  [--config FILE | --data DIR]',
    summary: '管理报警面板的用户和大屏链接 / manage alarm-panel users and kiosk (wall screen) links',
    run: async (args) => (await import('../gateway/panel/users-cli.ts')).runUsers(args),
  },
  {
    words: ['gateway'],
    usage: 'parkwatch gateway --config FILE [--log human|json] | --schema',
    summary: '运行园区网关 / run the park gateway (ingest, alarms, durable outbox, cloud uplink, panel)',
    run: async (args) => (await import('../gateway/cli/gateway-command.ts')).runGatewayCommand(args),
  },
  {
    words: ['start'],
    usage: 'parkwatch start [--config FILE] [--no-sim] [--log human|json]',
    summary:
      '一键运行网关、本地 MQTT、云端替身与模拟园区 / run the gateway, local broker, a stand-in cloud and a simulated park (./var)',
    run: async (args) => (await import('./start.ts')).runStartCommand(args),
  },
  {
    words: ['nodes'],
    usage:
      'parkwatch nodes add ID [--enterprise E --site S --zone Z --location L --channels smoke,water --key HEX --by NAME --gbt-address SYS:BASE] | list [--json] [--show-keys] | remove ID | import FILE.csv|FILE.json [--print-keys]  [--config FILE | --data DIR]',
    summary: '管理节点登记（密钥、企业、位置）/ manage the node registry (keys, enterprise, location)',
    run: async (args) => (await import('../gateway/cli/nodes-command.ts')).runNodesCommand(args),
  },
  {
    words: ['plans'],
    usage: 'parkwatch plans export FILE | import FILE [--dry-run]  [--config FILE | --data DIR]',
    summary: '导出、导入平面图与节点位置（不含密钥）/ export and import site plans with node positions (never keys)',
    run: async (args) => (await import('../gateway/cli/plans-command.ts')).runPlansCommand(args),
  },
  {
    words: ['log'],
    usage:
      'parkwatch log verify [--archive FILE] [--pubkey FILE] | pubkey | archive --before YYYY-MM-DD --out FILE  [--config FILE | --data DIR]',
    summary: '校验防篡改事件日志、显示网关公钥 / verify the tamper-evident event log, print the gateway public key',
    run: async (args) => (await import('../gateway/cli/log-command.ts')).runLogCommand(args),
  },
  {
    words: ['drill'],
    usage:
      'parkwatch drill start --enterprise E [--zone Z] [--scenario fire|water] [--by NAME] | stop [--enterprise E] [--by NAME] | list [--json] | report ID --out FILE.html|.json|.pdf  [--config FILE | --data DIR]',
    summary: '应急演练：开始、结束、评估报告 / emergency drills: start, stop, evaluation report (AQ/T 9009)',
    run: async (args) => (await import('../gateway/cli/drill-command.ts')).runDrillCommand(args),
  },
  {
    words: ['hazards'],
    usage:
      'parkwatch hazards list [--enterprise E] [--state open|rectifying|closed] [--overdue] [--json] | update ID --state rectifying|closed [--note TEXT] [--by NAME]  [--config FILE | --data DIR]',
    summary: '隐患闭环：列表与整改状态 / hazards to closure: list, mark rectifying or closed with a note',
    run: async (args) => (await import('../gateway/cli/hazards-command.ts')).runHazardsCommand(args),
  },
  {
    words: ['report', 'monthly'],
    usage:
      'parkwatch report monthly --month YYYY-MM [--enterprise E] --out FILE.html|.json|.pdf [--lang zh|en] [--publish] [--config FILE | --data DIR]',
    summary:
      '风险与服务月报（可签名发布到云端）/ monthly risk and service report per enterprise, optionally signed and published to the cloud',
    run: async (args) => (await import('../gateway/cli/report-command.ts')).runReportCommand(['monthly', ...args]),
  },
  {
    words: ['incidents'],
    usage:
      'parkwatch incidents list [--state open|ended|closed] [--enterprise E] [--json] | show ID [--json] | close ID --cause CAUSE [--note TEXT] [--by NAME] | export ID --out FILE.json [--html FILE.html] | verify FILE [--pubkey FILE]  [--config FILE | --data DIR]',
    summary:
      '报警事件档案：时间线、结案原因、可离线校验的证据包 / incident files: timeline, closing cause, evidence packet that verifies offline',
    run: async (args) => (await import('../gateway/cli/incidents-command.ts')).runIncidentsCommand(args),
  },
  {
    words: ['mqtt'],
    usage: 'parkwatch mqtt hash-password < PASSWORD | node-passwords [--config FILE | --data DIR]',
    summary:
      '本地 MQTT 凭据：消费者密码散列、节点密码导出 / local MQTT credentials: consumer password hash, node passwords for Mosquitto',
    run: async (args) => (await import('../gateway/ingest/mqtt-cli.ts')).runMqttCommand(args),
  },
  {
    words: ['gbt26875'],
    usage: 'parkwatch gbt26875 decode HEX | encode [JSON] (JSON on stdin when not given)',
    summary: 'GB/T 26875.3 帧解码与编码 / decode a GB/T 26875.3 frame to JSON, encode that JSON back to hex',
    run: async (args) => (await import('./gbt26875-command.ts')).runGbt26875Command(args),
  },
  {
    words: ['sim', 'gbt-centre'],
    usage: 'parkwatch sim gbt-centre [--port 9000] [--host 127.0.0.1]',
    summary: '模拟消防远程监控中心 / a fire monitoring-centre peer: confirms, denies bad frames, prints what it got',
    run: async (args) => (await import('../simulator/gbt26875-centre/centre-cli.ts')).runCentre(args),
  },
  {
    words: ['backup'],
    usage: 'parkwatch backup --out FILE [--config FILE]',
    summary: '网关运行中在线备份数据库 / back up the gateway database while it runs (SQLite online backup)',
    run: async (args) => (await import('../gateway/ops/backup-cli.ts')).runBackupCommand(args),
  },
  {
    words: ['restore'],
    usage: 'parkwatch restore FILE [--config FILE]',
    summary: '检查并恢复备份（网关须先停止）/ check a backup and restore it (the gateway stopped)',
    run: async (args) => (await import('../gateway/ops/backup-cli.ts')).runRestoreCommand(args),
  },
  {
    words: ['doctor'],
    usage: 'parkwatch doctor [--config FILE]',
    summary: '网关自检：配置、磁盘、数据库、时钟、串口、MQTT、云端、用户 / self-check (exit 0 ok, 1 warn, 2 fail)',
    run: async (args) => (await import('../gateway/ops/doctor.ts')).runDoctorCommand(args),
  },
  {
    words: ['service'],
    usage: 'parkwatch service install|uninstall [--config FILE] [--user NAME] [--dry-run] [--root DIR]',
    summary: '安装为 systemd 服务（加固、看门狗）/ install the gateway as a hardened systemd service with a watchdog',
    run: async (args) => (await import('../gateway/ops/service.ts')).runServiceCommand(args),
  },
  {
    words: ['sim', 'eval'],
    usage: 'parkwatch sim eval [--data DIR]',
    summary: '用真实火灾与水位数据评估固件默认设置 / score the firmware defaults on the real fire and water-level data',
    run: async (args) => (await import('../simulator/eval/eval-cli.ts')).runEval(args),
  },
  {
    words: ['sim', 'run'],
    usage: 'parkwatch sim run FILE... [--junit out.xml] [--report out.html] [--data DIR]',
    summary: '运行仿真场景并检查期望 / run simulation scenarios and check their expectations (exit 1 on a failure)',
    run: async (args) => (await import('../simulator/cli/run-cli.ts')).runRun(args),
  },
  {
    words: ['sim', 'drill'],
    usage: 'parkwatch sim drill [--report FILE.html|.json|.pdf] [--keep DIR] [--by NAME]',
    summary:
      '对真实网关做一次完整火灾演练 / a whole fire drill against the real gateway and cloud: marked end to end, acknowledged, reported',
    run: async (args) => (await import('../simulator/drill/drill-cli.ts')).runDrill(args),
  },
  {
    words: ['sim', 'park'],
    usage: 'parkwatch sim park [--nodes N] [--rate R] [--duration S] [--serial K] [--seed N]',
    summary:
      '模拟园区压测真实网关 / many simulated nodes against a real gateway and cloud: sent, acked, delivered, latency',
    run: async (args) => (await import('../simulator/park/park-cli.ts')).runPark(args),
  },
];
