/**
 * Why the database cannot be reached, when that is what `err` says (null when it is anything else):
 * a refused or cut connection, a server shutting down or starting, a connection that timed out.
 * Those are answered 503 (try again), not 500 (our fault).
 */
export function storeAwayReason(err: unknown): string | null {
  const e = err as { code?: unknown; message?: unknown } | null;
  const code = typeof e?.code === 'string' ? e.code : '';
  const message = typeof e?.message === 'string' ? e.message : '';
  if (['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'EPIPE'].includes(code)) return code;
  // PostgreSQL's: 08xxx connection exceptions; 57P01-57P03 shutting down, crashed, cannot connect now
  if (/^08...$/.test(code) || /^57P0[123]$/.test(code)) return `PostgreSQL ${code}`;
  if (/Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/i.test(message)) return message;
  return null;
}
