const CONNECTION_ERROR_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'P1001',
  'P1002',
  'P1008',
  'P1017',
  'P2024',
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now (starting up / shutting down)
  '08000',
  '08001',
  '08003',
  '08004',
  '08006',
]);

const CONNECTION_ERROR_MESSAGES =
  /connection terminated|connect ECONNREFUSED|timeout exceeded when trying to connect|Connection terminated unexpectedly|the database system is (starting up|shutting down)|Can't reach database server|server closed the connection|Client has encountered a connection error/i;

/** Whether an error means PostgreSQL cannot be reached (as opposed to a bad query). */
export function isDatabaseUnavailableError(error: unknown, depth = 0): boolean {
  if (typeof error !== 'object' || error === null || depth > 4) return false;
  const candidate = error as {
    code?: unknown;
    message?: unknown;
    cause?: unknown;
    originalCode?: unknown;
    kind?: unknown;
  };
  for (const code of [candidate.code, candidate.originalCode]) {
    if (typeof code === 'string' && CONNECTION_ERROR_CODES.has(code)) return true;
  }
  if (typeof candidate.message === 'string' && CONNECTION_ERROR_MESSAGES.test(candidate.message)) return true;
  if (candidate.kind === 'DatabaseNotReachable' || candidate.kind === 'ConnectionClosed') return true;
  return isDatabaseUnavailableError(candidate.cause, depth + 1);
}
