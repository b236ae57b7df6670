import type { IncomingMessage } from 'node:http';
import { parse as parseCookies, serialize as serializeCookie } from 'cookie';
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import rateLimit, { ipKeyGenerator } from 'express-rate-limit';
import { z } from 'zod';
import { decoyHash, verifyPassword } from '../auth/passwords.ts';
import type { AuditLog } from '../store/audit.ts';
import type { Role, User, UserStore } from '../store/users.ts';
import { id, said, term, type MessageParam } from '../wire/messages.ts';
import { saidBody, type RefusalBody } from './errors.ts';
import { parseBody } from './validate.ts';

export const SESSION_COOKIE = 'skybeat_session';
/** A session lasts a night shift. */
export const SESSION_TTL_MS = 12 * 3600 * 1000;

declare module 'express-serve-static-core' {
  interface Request {
    user?: User;
  }
}

export interface AuthContext {
  users: UserStore;
  audit: AuditLog;
  /** checks a password against a stored hash (tests count the calls); verifyPassword by default */
  verifyPassword?: (password: string, stored: string) => Promise<boolean>;
}

/** The session token of a request: bearer header first (scripts, phones), then the cookie (browser). */
export function tokenOf(req: IncomingMessage, explicit?: unknown): string | undefined {
  if (typeof explicit === 'string' && explicit) return explicit;
  const h = req.headers.authorization;
  if (h?.startsWith('Bearer ')) return h.slice(7).trim();
  return parseCookies(req.headers.cookie ?? '')[SESSION_COOKIE];
}

/** Resolve a token to a user, or say in plain words why not: one query, asked by every request and socket. */
export async function resolveSession(users: UserStore, token: string | undefined): Promise<{ user: User; expiresAt: number } | Required<RefusalBody>> {
  if (!token) return saidBody(said('not_logged_in_none'));
  const s = await users.sessionUser(token);
  if (s === 'unknown') return saidBody(said('not_logged_in'));
  if (s === 'expired') return saidBody(said('session_expired'));
  return s;
}

export function ipOf(req: Request): string | null {
  return req.ip ?? req.socket.remoteAddress ?? null;
}

/**
 * Middleware: 401 without a valid session, 403 without one of the roles; both audited. Express 5
 * hands a rejection (the database not answering) to the error handler.
 */
export function requireRole(ctx: AuthContext, ...roles: Role[]): RequestHandler {
  return async (req: Request, res: Response, next: NextFunction) => {
    const s = await resolveSession(ctx.users, tokenOf(req));
    const what = `${req.method} ${req.baseUrl}${req.path}`;
    // Refusals are counted per address, not written one by one: the path is the caller's choice.
    if ('error' in s) {
      ctx.audit.refused({ action: 'access.denied', target: what, result: '401', detail: { reason: s.error }, ip: ipOf(req) });
      res.status(401).json(s);
      return;
    }
    if (roles.length && !roles.some((r) => s.user.roles.includes(r))) {
      const body = saidBody(said('role_needed', {
        what: id(what),
        roles: roles.map((r): MessageParam => term(`role_${r}`, r)).reduce((a, b) => said('either', { a, b })),
        user: s.user.name,
        has: s.user.roles.length ? s.user.roles.map((r) => term(`role_${r}`, r)) : term('roleNone', 'no role'),
      }));
      ctx.audit.refused({ user: s.user.name, action: 'access.denied', target: what, result: '403', detail: { need: roles }, ip: ipOf(req) });
      res.status(403).json(body);
      return;
    }
    req.user = s.user;
    next();
  };
}

const LoginBody = z.object({
  username: z.string().min(1).max(64),
  password: z.string().min(1).max(256),
});

/** POST /login, POST /logout, GET /me. */
export function createAuthRouter(ctx: AuthContext): express.Router {
  const router = express.Router();
  const verify = ctx.verifyPassword ?? verifyPassword;
  void decoyHash(); // made now, so the first unknown name does not take two hashes
  const message = (error: string) => ({ error });
  // Per address, and per address + account name: guessing is slow, and one noisy device does
  // not lock everyone at the station out.
  const perIp = rateLimit({
    windowMs: 60_000,
    limit: 30,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    message: message('too many login attempts from this address; wait a minute'),
  });
  const perAccount = rateLimit({
    windowMs: 60_000,
    limit: 5,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    skipSuccessfulRequests: true,
    keyGenerator: (req) => `${ipKeyGenerator(req.ip ?? '')}|${String(req.body?.username ?? '').toLowerCase()}`,
    message: message('too many login attempts for this account; wait a minute'),
  });

  router.post('/login', perIp, express.json({ limit: '4kb' }), perAccount, async (req, res) => {
    const body = parseBody(LoginBody, req, res);
    if (!body) return;
    const user = await ctx.users.byName(body.username);
    // One scrypt for every attempt, known account or not, enabled or not: the answer's time
    // must not tell an unknown or disabled name from a wrong password.
    const matches = await verify(body.password, user && !user.disabled ? user.passwordHash : await decoyHash());
    const ok = matches && user !== undefined && !user.disabled;
    if (!user || !ok) {
      ctx.audit.record({
        user: body.username,
        action: 'login',
        result: 'denied',
        detail: { reason: !user ? 'unknown user' : user.disabled ? 'disabled' : 'wrong password' },
        ip: ipOf(req),
      });
      res.status(401).json({ error: 'wrong user name or password' });
      return;
    }
    const { token, expiresAt } = await ctx.users.createSession(user.id, SESSION_TTL_MS, ipOf(req));
    ctx.audit.record({ user: user.name, action: 'login', result: 'ok', ip: ipOf(req) });
    res.setHeader(
      'Set-Cookie',
      serializeCookie(SESSION_COOKIE, token, {
        httpOnly: true,
        sameSite: 'strict',
        path: '/',
        secure: req.secure,
        expires: new Date(expiresAt),
      }),
    );
    res.json({ user: { name: user.name, displayName: user.displayName, roles: user.roles, scope: user.scope }, token, expiresAt });
  });

  router.post('/logout', async (req, res) => {
    const token = tokenOf(req);
    const s = await resolveSession(ctx.users, token);
    if (token) await ctx.users.endSession(token);
    // Without a session there is nothing to end: counted like other refusals, not a row each.
    if ('user' in s) ctx.audit.record({ user: s.user.name, action: 'logout', result: 'ok', ip: ipOf(req) });
    else ctx.audit.refused({ action: 'logout', result: 'no session', target: 'POST /api/logout', ip: ipOf(req) });
    res.setHeader('Set-Cookie', serializeCookie(SESSION_COOKIE, '', { httpOnly: true, sameSite: 'strict', path: '/', expires: new Date(0) }));
    res.json({ ok: true });
  });

  router.get('/me', requireRole(ctx), (req, res) => {
    const u = req.user!;
    res.json({ name: u.name, displayName: u.displayName, roles: u.roles, scope: u.scope });
  });
  return router;
}
