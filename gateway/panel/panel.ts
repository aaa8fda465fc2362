import type { IncomingMessage, ServerResponse } from 'node:http';
import { Access } from './access.ts';
import { ApiRoutes } from './api-routes.ts';
import { type MountedPanel, type PanelBackend, type PanelMountContext, PanelOptions } from './backend.ts';
import { changeDrill, listDrills } from './drill-routes.ts';
import { IncidentRoutes } from './incident-routes.ts';
import { LiveStream } from './live-stream.ts';
import { LoginLimiter } from './login-limiter.ts';
import { planRoute } from './plan-routes.ts';
import { ApiError, redirect, sendError } from './responses.ts';
import { SessionStore } from './sessions.ts';
import { SitePlans } from './site-plans.ts';
import { StaticAssets } from './static-assets.ts';
import { UserStore } from './users.ts';

/**
 * The local alarm panel, mounted on the gateway's HTTP server (see backend.ts for how).
 * This file only routes: each route's work lives in Access (who), ApiRoutes (what),
 * LiveStream (live events) and StaticAssets (the page itself).
 */
export function createPanel(backend: PanelBackend, ctx: PanelMountContext): MountedPanel {
  const now = ctx.now ?? Date.now;
  const users = UserStore.openInDir(ctx.dataDir, now);
  const sessions = new SessionStore(users.db, ctx.options.sessionIdleMinutes * 60_000, now);
  const limiter = new LoginLimiter(
    {
      perIp: ctx.options.loginAttemptsPerIp,
      perUser: ctx.options.loginAttemptsPerUser,
      windowMs: ctx.options.loginWindowSeconds * 1000,
    },
    now,
  );
  const access = new Access(users, sessions, limiter, ctx);
  const api = new ApiRoutes(backend, access, ctx.options, now);
  const incidents = new IncidentRoutes(backend, access);
  const live = new LiveStream(backend, (id) => access.sessionById(id) !== undefined);
  const assets = new StaticAssets();
  const counters = access.counters;
  const planContext = {
    plans: new SitePlans(ctx.dataDir),
    access,
    nodes: () =>
      backend
        .nodes()
        .map((n) => ({ id: n.node, ...(n.placement ?? { enterprise: '', site: '', zone: '', location: '' }) })),
    identity: () => backend.identity(),
    now,
  };

  async function route(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const ip = req.socket.remoteAddress ?? 'unknown';
    const path = url.pathname;
    const method = req.method ?? 'GET';
    if (path === '/panel/api/plans' || path.startsWith('/panel/api/plans/'))
      return planRoute(planContext, req, res, path.slice('/panel/api/plans/'.length));
    if (method === 'GET') {
      if (path === '/panel' || path === '/panel/') return void assets.serve('index.html', req, res);
      if (path.startsWith('/panel/assets/') && assets.serve(path.slice('/panel/assets/'.length), req, res)) return;
      if (path === '/panel/kiosk') return access.kiosk(res, url, ip);
      if (path === '/panel/api/session') return access.describe(req, res);
      if (path === '/panel/api/overview') return api.overview(req, res);
      if (path === '/panel/api/nodes') return api.nodes(req, res);
      if (path === '/panel/api/history') return api.history(req, res, url);
      if (path === '/panel/api/history.csv') return api.historyCsv(req, res, url);
      if (path === '/panel/api/refusals') return api.refusals(req, res, { ...counters });
      if (path === '/panel/api/drills') return listDrills(backend, access, req, res);
      if (path === '/panel/api/incidents') return incidents.list(req, res, url);
      if (path.startsWith('/panel/api/incidents/'))
        return incidents.one(req, res, decodePathPart(path.slice('/panel/api/incidents/'.length)));
      if (path.startsWith('/panel/api/nodes/')) {
        return api.node(req, res, url, decodePathPart(path.slice('/panel/api/nodes/'.length)));
      }
      if (path === '/panel/api/stream') {
        const session = access.requireSession(req);
        return live.open(req, res, session.id, url);
      }
    } else if (method === 'POST') {
      if (path === '/panel/api/login') return access.login(req, res, ip);
      if (path === '/panel/api/setup') return access.setup(req, res, ip);
      if (path === '/panel/api/logout') return void live.endSession(access.logout(req, res).id);
      if (path === '/panel/api/actions') return api.action(req, res);
      if (path === '/panel/api/drills') return changeDrill(backend, access, req, res);
    }
    throw new ApiError(404, 'not_found', `没有这个页面 / not found: ${method} ${path}`);
  }

  function fail(res: ServerResponse, err: unknown): void {
    if (!(err instanceof ApiError)) {
      ctx.log.warn({ err: String(err) }, 'panel request failed');
      err = new ApiError(500, 'internal', '面板内部错误，请查看网关日志 / panel error, see the gateway log');
    }
    const apiErr = err as ApiError;
    if (apiErr.status === 400 || apiErr.status === 413 || apiErr.status === 415) counters.bad_request++;
    if (res.headersSent) res.end();
    else sendError(res, apiErr);
  }

  return {
    handle(req, res) {
      const url = new URL(req.url ?? '/', 'http://panel.local');
      if (url.pathname === '/') {
        redirect(res, '/panel/');
        return true;
      }
      if (url.pathname !== '/panel' && !url.pathname.startsWith('/panel/')) return false;
      route(req, res, url).catch((err) => fail(res, err));
      return true;
    },
    close() {
      live.close();
      users.close();
    },
  };
}

function decodePathPart(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw new ApiError(400, 'invalid', `网址编码无效 / malformed URL encoding: ${part.slice(0, 40)}`);
  }
}

/** A `panel:` config section that cannot be used; the message names each bad key. */
export class PanelConfigError extends Error {}

/**
 * Mounts the panel from the gateway config's raw `panel:` section (validated here, with the
 * panel's own schema). Returns undefined when `panel.enabled` is false. Shaped for
 * `GatewayOptions.http`: `http: async (gw) => mountPanelFromConfig(gw.panel, { ... })`.
 */
export function mountPanelFromConfig(
  backend: PanelBackend,
  ctx: Omit<PanelMountContext, 'options'> & { section: unknown },
): { handler: MountedPanel['handle']; close: () => void } | undefined {
  const parsed = PanelOptions.safeParse(ctx.section ?? {});
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${['panel', ...i.path].join('.')}: ${i.message}`);
    throw new PanelConfigError(`面板配置无效 / invalid panel config:\n  - ${problems.join('\n  - ')}`);
  }
  if (!parsed.data.enabled) return undefined;
  const panel = createPanel(backend, { ...ctx, options: Object.freeze(parsed.data) });
  return { handler: (req, res) => panel.handle(req, res), close: () => panel.close() };
}
