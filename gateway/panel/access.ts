import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import type { PanelMountContext } from './backend.ts';
import type { LoginLimiter } from './login-limiter.ts';
import { ApiError, readJson, redirect, sendJson } from './responses.ts';
import {
  csrfMatches,
  parseCookies,
  SESSION_COOKIE,
  type Session,
  type SessionStore,
  sessionCookie,
} from './sessions.ts';
import { type Role, UserName, type UserStore, UserStoreError } from './users.ts';

/**
 * Who may do what: login, logout, first-admin setup, kiosk entry, and the checks every API
 * route runs (session, role, CSRF). Counts what it refuses for the abuse view.
 */
const Login = z.object({ name: z.string().min(1).max(64), password: z.string().min(1).max(200) }).strict();
const Setup = z.object({ token: z.string().min(1).max(100), name: UserName, password: z.string().max(200) }).strict();

const KIOSK_PREFIX = 'kiosk:';
const ROLE_RANK: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };

export interface AccessCounters {
  login_failed: number;
  login_rate_limited: number;
  csrf_refused: number;
  forbidden: number;
  bad_request: number;
}

export class Access {
  /** one-time token that creates the first admin; exists only while there is no user */
  private setupToken: string | undefined;
  readonly counters: AccessCounters = {
    login_failed: 0,
    login_rate_limited: 0,
    csrf_refused: 0,
    forbidden: 0,
    bad_request: 0,
  };

  constructor(
    private users: UserStore,
    private sessions: SessionStore,
    private limiter: LoginLimiter,
    private ctx: PanelMountContext,
  ) {
    if (users.count() === 0) {
      this.setupToken = randomBytes(18).toString('base64url');
      ctx.log.warn(
        { setupToken: this.setupToken, path: '/panel/' },
        `面板还没有用户：在浏览器打开 /panel/ 并输入一次性设置令牌 ${this.setupToken} 创建管理员，` +
          '或运行 parkwatch users add NAME --role admin / the panel has no user yet: open /panel/ and enter ' +
          `the one-time setup token ${this.setupToken} to create the admin, or run parkwatch users add NAME --role admin`,
      );
    }
  }

  private get secure(): boolean {
    return this.ctx.tls || this.ctx.options.secureCookies;
  }

  private cookieFor(session: Session): string {
    return sessionCookie(session.id, this.secure, this.ctx.options.sessionIdleMinutes * 60);
  }

  /**
   * The request's session. Users are re-read on every request, so `parkwatch users remove`
   * or a role change takes effect at once in the running gateway.
   */
  session(req: IncomingMessage): Session | undefined {
    return this.sessionById(parseCookies(req.headers.cookie)[SESSION_COOKIE]);
  }

  sessionById(id: string | undefined): Session | undefined {
    const s = this.sessions.get(id);
    if (!s) return undefined;
    if (s.kiosk) {
      if (this.users.hasKiosk(s.user.slice(KIOSK_PREFIX.length))) return s;
    } else {
      const user = this.users.user(s.user);
      if (user) {
        s.role = user.role;
        return s;
      }
    }
    this.sessions.destroy(s.id);
    return undefined;
  }

  /** The session, or a 401 the browser answers by showing the login form. */
  requireSession(req: IncomingMessage): Session {
    const s = this.session(req);
    if (!s) throw new ApiError(401, 'login', '请先登录 / please log in');
    return s;
  }

  /** For every state-changing request: the right role, not a kiosk, and the session's CSRF token. */
  requireAction(req: IncomingMessage, role: Role): Session {
    const s = this.requireSession(req);
    const token = req.headers['x-csrf-token'];
    if (!csrfMatches(s, typeof token === 'string' ? token : undefined)) {
      this.counters.csrf_refused++;
      throw new ApiError(403, 'csrf', '安全令牌无效，请刷新页面 / invalid security token, reload the page');
    }
    if (s.kiosk || ROLE_RANK[s.role] < ROLE_RANK[role]) {
      this.counters.forbidden++;
      throw new ApiError(403, 'forbidden', '您的角色不能执行此操作 / your role may not do this');
    }
    return s;
  }

  requireRole(req: IncomingMessage, role: Role): Session {
    const s = this.requireSession(req);
    if (s.kiosk || ROLE_RANK[s.role] < ROLE_RANK[role]) {
      this.counters.forbidden++;
      throw new ApiError(403, 'forbidden', '您的角色不能查看此内容 / your role may not see this');
    }
    return s;
  }

  describe(req: IncomingMessage, res: ServerResponse): void {
    const s = this.session(req);
    if (!s) {
      sendJson(res, 401, {
        error: 'login',
        message: '请先登录 / please log in',
        needsSetup: this.setupToken !== undefined,
      });
      return;
    }
    sendJson(res, 200, { user: s.user, role: s.role, kiosk: s.kiosk, csrf: s.csrf });
  }

  async login(req: IncomingMessage, res: ServerResponse, ip: string): Promise<void> {
    this.checkOrigin(req);
    const body = await readJson(req, Login);
    const wait = this.limiter.retryAfter(ip, body.name);
    if (wait > 0) {
      this.counters.login_rate_limited++;
      throw new ApiError(
        429,
        'rate_limited',
        `登录失败次数过多，请 ${wait} 秒后再试 / too many failed logins, try again in ${wait} s`,
        { 'Retry-After': String(wait) },
      );
    }
    const user = await this.users.authenticate(body.name, body.password);
    if (!user) {
      this.limiter.recordFailure(ip, body.name);
      this.counters.login_failed++;
      this.ctx.log.warn({ user: body.name, ip }, 'panel login failed');
      throw new ApiError(401, 'bad_login', '用户名或密码错误 / wrong name or password');
    }
    this.limiter.recordSuccess(body.name);
    const session = this.sessions.create(user.name, user.role, false);
    this.ctx.log.info({ user: user.name, ip }, 'panel login');
    sendJson(
      res,
      200,
      { user: user.name, role: user.role, kiosk: false, csrf: session.csrf },
      {
        'Set-Cookie': this.cookieFor(session),
      },
    );
  }

  logout(req: IncomingMessage, res: ServerResponse): Session {
    const s = this.requireAction(req, 'viewer');
    this.sessions.destroy(s.id);
    sendJson(res, 200, { ok: true }, { 'Set-Cookie': sessionCookie('', this.secure, 0) });
    return s;
  }

  async setup(req: IncomingMessage, res: ServerResponse, ip: string): Promise<void> {
    this.checkOrigin(req);
    const body = await readJson(req, Setup);
    const wait = this.limiter.retryAfter(ip, '(setup)');
    if (wait > 0) {
      this.counters.login_rate_limited++;
      throw new ApiError(429, 'rate_limited', `尝试次数过多，请 ${wait} 秒后再试 / too many tries, wait ${wait} s`, {
        'Retry-After': String(wait),
      });
    }
    const expected = this.setupToken;
    if (!expected || !sameText(expected, body.token)) {
      this.limiter.recordFailure(ip, '(setup)');
      this.counters.login_failed++;
      throw new ApiError(403, 'bad_setup_token', '设置令牌无效或已用过 / the setup token is wrong or already used');
    }
    try {
      await this.users.add(body.name, 'admin', body.password);
    } catch (err) {
      if (err instanceof UserStoreError) throw new ApiError(400, 'invalid', err.message);
      throw err;
    }
    this.setupToken = undefined;
    const session = this.sessions.create(body.name, 'admin', false);
    this.ctx.log.info({ user: body.name, ip }, 'panel first admin created with the setup token');
    sendJson(
      res,
      200,
      { user: body.name, role: 'admin', kiosk: false, csrf: session.csrf },
      {
        'Set-Cookie': this.cookieFor(session),
      },
    );
  }

  /** `GET /panel/kiosk?token=...`: a wall screen opens this URL once and stays logged in as a viewer. */
  kiosk(res: ServerResponse, url: URL, ip: string): void {
    const token = url.searchParams.get('token') ?? '';
    const wait = this.limiter.retryAfter(ip, '(kiosk)');
    if (wait > 0) {
      this.counters.login_rate_limited++;
      throw new ApiError(429, 'rate_limited', `尝试次数过多，请 ${wait} 秒后再试 / too many tries, wait ${wait} s`);
    }
    const label = token.length > 0 && token.length < 100 ? this.users.kioskLabel(token) : undefined;
    if (!label) {
      this.limiter.recordFailure(ip, '(kiosk)');
      this.counters.login_failed++;
      throw new ApiError(403, 'bad_kiosk_token', '大屏令牌无效 / the kiosk token is not valid');
    }
    const session = this.sessions.create(KIOSK_PREFIX + label, 'viewer', true);
    redirect(res, '/panel/', { 'Set-Cookie': this.cookieFor(session) });
  }

  /** Login and setup have no CSRF token yet: refuse requests that another site's page sent. */
  private checkOrigin(req: IncomingMessage): void {
    const origin = req.headers.origin;
    if (origin === undefined) return;
    let host: string;
    try {
      host = new URL(origin).host;
    } catch {
      host = '';
    }
    if (host !== req.headers.host) {
      this.counters.csrf_refused++;
      throw new ApiError(403, 'csrf', '请求来自其他网站 / the request came from another site');
    }
  }
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
