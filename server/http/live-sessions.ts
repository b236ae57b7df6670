import { tokenHash, type Role, type SessionEnd, type SessionsEnded, type User, type UserStore } from '../store/users.ts';
import { english, said, type ServerMessage } from '../wire/messages.ts';
import type { LiveServer, LiveSocket } from './live.ts';

/** What a live connection keeps of the session it was opened with. */
export interface LiveSession {
  tokenHash: string;
  expiresAt: number;
}

export interface SessionWatchOptions {
  /**
   * How often open connections are checked (ms): for their session's expiry, and — only when
   * another process (the `npm run users` tool) has written to the database since — against the
   * database. Changes made in this process end connections at once, without waiting for this.
   */
  pollMs?: number;
  /** the clock sessions expire by */
  now?: () => number;
}

/** Within a second, as issue 13 asks; half of it leaves room for a busy event loop. */
export const SESSION_POLL_MS = 500;

const SAYS: Record<SessionEnd | 'expired' | 'ended elsewhere', ServerMessage> = {
  'logged out': said('session_logged_out'),
  'password changed': said('session_password_changed'),
  'roles changed': said('session_roles_changed'),
  'scope changed': said('session_scope_changed'),
  'account disabled': said('session_account_disabled'),
  'account removed': said('session_account_removed'),
  'expired': said('session_timed_out'),
  'ended elsewhere': said('session_ended_elsewhere'),
};

/** Tell the page why (its English, and the code it says in its language), then close the connection. */
function end(socket: LiveSocket, why: keyof typeof SAYS): void {
  socket.emit('session:ended', english(SAYS[why]), SAYS[why]);
  socket.disconnect(true);
}

/** The session of a handshake's token, kept on the connection so it can be watched. */
export function liveSession(token: string, expiresAt: number): LiveSession {
  return { tokenHash: tokenHash(token), expiresAt };
}

const sameRoles = (a: Role[], b: Role[]) => a.length === b.length && a.every((r) => b.includes(r));

/** Why another process ended a session, as far as the account shows it now. */
async function whyEnded(users: UserStore, was: User, session: LiveSession, at: number): Promise<keyof typeof SAYS> {
  const now = await users.byId(was.id);
  if (!now) return 'account removed';
  if (now.disabled) return 'account disabled';
  if (!sameRoles(now.roles, was.roles)) return 'roles changed';
  if (now.scope !== was.scope) return 'scope changed';
  return session.expiresAt <= at ? 'expired' : 'ended elsewhere';
}

/** Why a connection's session ended. */
export type SessionEndReason = SessionEnd | 'expired' | 'ended elsewhere';

/** A connection that lasts only as long as its session: the live socket, a video player's socket. */
export interface SessionBound {
  user: User;
  session: LiveSession;
  /** closes it, telling the page why */
  end(why: SessionEndReason): void;
}

/**
 * Ends every live connection of a session when the session ends — logout, password, role or
 * scope change, disabled or removed account, expiry — so what a session could see stops with it.
 * A role or scope change ends the sessions (UserStore.update), so a demoted, promoted or moved
 * user's connections close and the page logs in again with the new rights: simpler and surer than
 * re-deriving every room and handler a connection was given for its old roles and station.
 *
 * In this process the store says at once which sessions ended. The users tool runs as another
 * process and only writes the database; SQLite's data_version (a counter of other connections'
 * commits, read with one pragma) tells the poll when to re-check the open connections' sessions,
 * so the database is queried only after such a change, not every tick. PostgreSQL has no such
 * counter (and other servers write to it too): there the sessions are re-checked at every tick,
 * all of them in one query. A check that fails (the database away) keeps the connections: expiry
 * still ends them, and the next tick checks again. Returns stop().
 */
export function watchConnections(connections: () => Iterable<SessionBound>, users: UserStore, o: SessionWatchOptions = {}): () => void {
  const now = o.now ?? Date.now;

  const onEnded = (e: SessionsEnded) => {
    for (const c of connections()) {
      const matches = 'tokenHash' in e ? c.session.tokenHash === e.tokenHash : c.user.id === e.userId;
      if (matches) c.end(e.reason);
    }
  };
  users.on('sessions-ended', onEnded);

  let version = users.changedElsewhere();
  /** the database's re-check under way: the next tick does not start another */
  let checking = false;
  const recheck = async (open: SessionBound[], t: number, changed: number | null) => {
    checking = true;
    try {
      const current = await users.sessionsByHash([...new Set(open.map((c) => c.session.tokenHash))], t);
      for (const c of open) {
        const s = current.get(c.session.tokenHash) ?? 'unknown';
        if (typeof s === 'string') c.end(await whyEnded(users, c.user, c.session, t));
        else if (!sameRoles(s.user.roles, c.user.roles)) c.end('roles changed');
        else if (s.user.scope !== c.user.scope) c.end('scope changed');
      }
      version = changed; // only once all are checked: a failed check is tried again at the next tick
    } catch {
      // The database is away: the connections stay (expiry still ends them), checked at the next tick.
    } finally {
      checking = false;
    }
  };
  const check = () => {
    const t = now();
    const open: SessionBound[] = [];
    for (const c of connections()) {
      if (c.session.expiresAt <= t) c.end('expired');
      else open.push(c);
    }
    const changed = users.changedElsewhere();
    if (checking || (changed !== null && changed === version)) return;
    if (open.length) void recheck(open, t, changed);
    else version = changed;
  };
  const timer = setInterval(check, o.pollMs ?? SESSION_POLL_MS);
  return () => {
    clearInterval(timer);
    users.off('sessions-ended', onEnded);
  };
}

/** The live socket's connections, each ended with the reason said to its page (watchConnections). */
export function watchSessions(io: LiveServer, users: UserStore, o: SessionWatchOptions = {}): () => void {
  function* connections(): Iterable<SessionBound> {
    for (const socket of io.of('/').sockets.values()) {
      yield { user: socket.data.user, session: socket.data.session, end: (why) => end(socket, why) };
    }
  }
  return watchConnections(connections, users, o);
}
