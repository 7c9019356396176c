import * as fs from 'fs';

/**
 * Deterministic fault injection for the writer's tests (`__tests__/faults.test.ts`). The writer calls
 * `faultPoint(name)` at each step that matters for crash safety: after the scratch folder is made, after each
 * environment is written, before and after each rename of the swap, before the journal is removed.
 *
 * - `NX_FAULT=<action>@<point>`: at that point, `kill` SIGKILLs the process (no handler, no `finally` runs,
 *   as `kill -9` would), `term` / `int` send it SIGTERM / SIGINT, `enospc` / `eacces` throw the error the
 *   system would give.
 * - `NX_FAULT_TRACE=<file>`: appends every point reached, one a line (how the tests enumerate them).
 *
 * Unset (every ordinary run), each call is one property read.
 */
export function faultPoint(point: string): void {
  const trace = process.env.NX_FAULT_TRACE;
  if (trace) fs.appendFileSync(trace, `${point}\n`);
  const fault = process.env.NX_FAULT;
  if (!fault) return;
  const at = fault.indexOf('@');
  if (fault.slice(at + 1) !== point) return;
  const action = fault.slice(0, at);
  if (action === 'kill') process.kill(process.pid, 'SIGKILL');
  // SIGTERM and SIGINT as a user or npm sends them: Node has no handler for them here, so they end the process
  // at once, as SIGKILL does (the next run recovers the same way).
  if (action === 'term') process.kill(process.pid, 'SIGTERM');
  if (action === 'int') process.kill(process.pid, 'SIGINT');
  if (action === 'enospc' || action === 'eacces') {
    const code = action.toUpperCase();
    const error = new Error(`${code}: ${action === 'enospc' ? 'no space left on device' : 'permission denied'} (injected at ${point})`) as NodeJS.ErrnoException;
    error.code = code;
    throw error;
  }
}
