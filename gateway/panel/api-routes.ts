import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { OperatorAction, OperatorActionError } from '../decide/operator-action.ts';
import { EventKind } from '../wire/events.ts';
import { Id } from '../wire/schemas.ts';
import type { Access } from './access.ts';
import { HistoryQuery, type PanelBackend, type PanelOptions } from './backend.ts';
import { csvHeaderLine, csvRow } from './history-csv.ts';
import { byUrgency, countsOf } from './overview.ts';
import { ApiError, parseInput, readJson, sendJson } from './responses.ts';

/** The panel's data routes: read views for every role, actions for operators. */

const HOUR = 3_600_000;
const Int = z.coerce.number().int();

/** History filters as they arrive in the query string. */
const HistoryParams = z.object({
  enterprise: z.string().max(64).optional(),
  zone: z.string().max(64).optional(),
  node: Id.optional(),
  kinds: z
    .string()
    .max(400)
    .optional()
    .transform((s) => (s ? s.split(',').filter((k) => k.length > 0) : undefined))
    .pipe(z.array(EventKind).max(20).optional()),
  from: Int.optional(),
  to: Int.optional(),
  before: Int.positive().optional(),
  limit: Int.min(1).max(500).default(100),
});

const NodeParams = z.object({
  hours: z.coerce
    .number()
    .min(0.1)
    .max(24 * 30)
    .default(24),
});

/** An action as the browser sends it: the backend's action without `by` (the session says who). */
const ActionRequest = z.discriminatedUnion('action', [
  OperatorAction.options[0].omit({ by: true }),
  OperatorAction.options[1].omit({ by: true }),
  OperatorAction.options[2].omit({ by: true }),
  OperatorAction.options[3].omit({ by: true }),
  OperatorAction.options[4].omit({ by: true }),
  OperatorAction.options[5].omit({ by: true }),
]);

function queryOf(url: URL): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of url.searchParams) if (v !== '') out[k] = v;
  return out;
}

/** Resolves true when the response can take more, false when the client went away. */
function drained(res: ServerResponse): Promise<boolean> {
  return new Promise((resolve) => {
    const done = (ok: boolean) => () => {
      res.off('drain', onDrain);
      res.off('close', onClose);
      resolve(ok);
    };
    const onDrain = done(true);
    const onClose = done(false);
    res.on('drain', onDrain);
    res.on('close', onClose);
  });
}

export class ApiRoutes {
  constructor(
    private backend: PanelBackend,
    private access: Access,
    private options: PanelOptions,
    private now: () => number,
  ) {}

  overview(req: IncomingMessage, res: ServerResponse): void {
    this.access.requireSession(req);
    const conditions = this.backend.activeConditions().sort(byUrgency);
    const nodes = this.backend.nodes();
    const lastSeq = this.backend.history({ limit: 1 }).events[0]?.seq ?? 0;
    // node states stay out: a park has thousands, and this is fetched after every event
    sendJson(res, 200, {
      identity: this.backend.identity(),
      health: this.backend.health(),
      now: this.now(),
      lastSeq,
      counts: countsOf(conditions, nodes),
      conditions,
    });
  }

  nodes(req: IncomingMessage, res: ServerResponse): void {
    this.access.requireSession(req);
    sendJson(res, 200, { nodes: this.backend.nodes().sort((a, b) => a.node.localeCompare(b.node)) });
  }

  history(req: IncomingMessage, res: ServerResponse, url: URL): void {
    this.access.requireSession(req);
    const query = parseInput(HistoryQuery, parseInput(HistoryParams, queryOf(url)));
    sendJson(res, 200, this.backend.history(query));
  }

  /** Streams every matching event as CSV, page by page, up to the configured maximum. Not for viewers (issue 14: exports are for operators and admins). */
  async historyCsv(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    this.access.requireRole(req, 'operator');
    const params = parseInput(HistoryParams, { ...queryOf(url), limit: '500' });
    const stamp = new Date(this.now()).toISOString().slice(0, 16).replace(/[-:T]/g, '');
    res.writeHead(200, {
      'Content-Type': 'text/csv; charset=utf-8',
      'Content-Disposition': `attachment; filename="parkwatch-history-${stamp}.csv"`,
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
    });
    res.write(csvHeaderLine());
    let written = 0;
    let before: number | undefined;
    while (written < this.options.exportMaxEvents) {
      const limit = Math.min(5000, this.options.exportMaxEvents - written);
      const page = this.backend.history(parseInput(HistoryQuery, { ...params, before, limit }));
      const more = res.write(page.events.map((e) => csvRow(e) + '\r\n').join(''));
      written += page.events.length;
      // a slow download waits here instead of piling the export up in memory
      if (!more && !(await drained(res))) return;
      if (page.next === undefined) break;
      before = page.next;
    }
    res.end();
  }

  node(req: IncomingMessage, res: ServerResponse, url: URL, id: string): void {
    this.access.requireSession(req);
    const nodeId = parseInput(Id, id);
    const state = this.backend.node(nodeId);
    if (!state) throw new ApiError(404, 'unknown_node', `没有节点 ${nodeId} / no node ${nodeId}`);
    const { hours } = parseInput(NodeParams, queryOf(url));
    const readings = this.backend.readings(nodeId, { since: this.now() - hours * HOUR, limit: 5000 });
    const events = this.backend.history({ node: nodeId, limit: 50 }).events.filter((e) => e.kind !== 'telemetry');
    // `now` with `hours`: the window the chart draws, whether or not readings fill it
    sendJson(res, 200, { node: state, readings, events, hours, now: this.now() });
  }

  async action(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const session = this.access.requireAction(req, 'operator');
    const body = await readJson(req, ActionRequest);
    const action = parseInput(OperatorAction, { ...body, by: session.user });
    try {
      const event = await this.backend.act(action);
      sendJson(res, 200, { event });
    } catch (err) {
      if (err instanceof OperatorActionError) {
        throw new ApiError(err.code === 'unreachable' ? 503 : 409, err.code, err.message);
      }
      throw err;
    }
  }

  refusals(req: IncomingMessage, res: ServerResponse, panelCounters: Record<string, number>): void {
    this.access.requireRole(req, 'admin');
    sendJson(res, 200, { gateway: this.backend.refusals(), panel: panelCounters });
  }
}
