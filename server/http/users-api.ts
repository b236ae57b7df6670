import express from 'express';
import { z } from 'zod';
import { hashPassword } from '../auth/passwords.ts';
import { ROLES, scopeProblem, UserRuleError } from '../store/users.ts';
import { said } from '../wire/messages.ts';
import { ipOf, requireRole, type AuthContext } from './auth.ts';
import { refusalBody, saidBody } from './errors.ts';
import { parseBody } from './validate.ts';

const name = z.string().regex(/^[\p{L}\p{N}_.-]{1,64}$/u, 'letters, digits, _ . - only, 1-64 characters');
const password = z.string().min(10, 'at least 10 characters').max(256);
const roles = z.array(z.enum(ROLES)).min(1, 'at least one role');
/** "city" or a station id: the shape only, as no node knows every station of the city (scopeProblem). */
const scope = z.string().superRefine((s, ctx) => {
  const problem = scopeProblem(s);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

const NewUser = z.object({ name, password, roles, displayName: z.string().max(100).optional(), scope: scope.optional() });
const Change = z.object({
  password: password.optional(),
  roles: roles.optional(),
  disabled: z.boolean().optional(),
  displayName: z.string().max(100).optional(),
  scope: scope.optional(),
});

/** Account management for admins; every change is audited. */
export function createUsersRouter(ctx: AuthContext): express.Router {
  const router = express.Router();
  router.use(requireRole(ctx, 'admin'));

  router.get('/', async (_req, res) => {
    res.json(await ctx.users.list());
  });

  router.post('/', async (req, res) => {
    const body = parseBody(NewUser, req, res);
    if (!body) return;
    if (await ctx.users.byName(body.name)) {
      res.status(409).json(saidBody(said('user_exists', { user: body.name })));
      return;
    }
    // Added meanwhile by another request (the name is checked again as it is written): refused 409 as above.
    const passwordHash = await hashPassword(body.password);
    const user = await refusedByRules(ctx, req, res, 'user.add', () => ctx.users.add(body.name, passwordHash, body.roles, body.displayName, body.scope));
    if (user === null) return;
    ctx.audit.record({
      user: req.user!.name,
      action: 'user.add',
      target: user.name,
      result: 'ok',
      detail: { roles: user.roles, scope: user.scope },
      ip: ipOf(req),
    });
    res.status(201).json(user);
  });

  router.patch('/:name', async (req, res) => {
    const body = parseBody(Change, req, res);
    if (!body) return;
    const change = {
      roles: body.roles,
      disabled: body.disabled,
      displayName: body.displayName,
      scope: body.scope,
      passwordHash: body.password ? await hashPassword(body.password) : undefined,
    };
    const user = await refusedByRules(ctx, req, res, 'user.change', () => ctx.users.update(req.params.name!, change));
    if (user === null) return;
    if (!user) {
      res.status(404).json(saidBody(said('user_unknown', { user: req.params.name! })));
      return;
    }
    ctx.audit.record({
      user: req.user!.name,
      action: 'user.change',
      target: user.name,
      result: 'ok',
      detail: { roles: body.roles, disabled: body.disabled, scope: body.scope, password: body.password ? 'changed' : undefined },
      ip: ipOf(req),
    });
    res.json(user);
  });

  router.delete('/:name', async (req, res) => {
    // The same account in any spelling: names are compared without case ("ADMIN" is admin).
    if ((await ctx.users.byName(req.params.name!))?.id === req.user!.id) {
      res.status(400).json(saidBody(said('user_delete_self')));
      return;
    }
    const ok = await refusedByRules(ctx, req, res, 'user.remove', () => ctx.users.remove(req.params.name!));
    if (ok === null) return;
    ctx.audit.record({ user: req.user!.name, action: 'user.remove', target: req.params.name, result: ok ? 'ok' : 'not found', ip: ipOf(req) });
    if (!ok) res.status(404).json(saidBody(said('user_unknown', { user: req.params.name! })));
    else res.json({ ok: true });
  });
  return router;
}

/** Run a change; one the rules refuse (the last admin) is audited and answered 409 with its reason (and its message), and gives null. */
async function refusedByRules<T>(ctx: AuthContext, req: express.Request, res: express.Response, action: string, change: () => Promise<T>): Promise<T | null> {
  try {
    return await change();
  } catch (err) {
    if (!(err instanceof UserRuleError)) throw err;
    ctx.audit.record({ user: req.user!.name, action, target: req.params.name as string, result: 'refused', detail: { reason: err.message }, ip: ipOf(req) });
    res.status(409).json(refusalBody(err));
    return null;
  }
}
