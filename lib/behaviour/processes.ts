import { ChildProcess, spawn, spawnSync } from 'child_process';

/** What a finished program said. */
export interface Outcome {
  readonly code: number | null;
  readonly signal: string | null;
  readonly output: string;
  readonly timedOut: boolean;
}

/** The last lines of a program's output, for a failure message. */
export function tail(output: string, lines = 12): string {
  return output.trimEnd().split('\n').slice(-lines).join('\n');
}

/**
 * Every process the behavioural tier starts, each in its own process group, so that `killAll` ends them and
 * everything they started. A process still running at the end of a scenario is killed, never left behind.
 */
export class ProcessGroup {
  private readonly children = new Set<ChildProcess>();

  /** Starts a long-running program; its output accumulates in `output()`. */
  start(argv: readonly string[], onExit?: (outcome: Outcome) => void): { child: ChildProcess; output: () => string } {
    let output = '';
    const child = spawn(argv[0], argv.slice(1), { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    this.children.add(child);
    const append = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.length > 200_000) output = output.slice(-100_000);
    };
    child.stdout?.on('data', append);
    child.stderr?.on('data', append);
    // 'close', not 'exit': the output is complete only once the streams have closed.
    child.on('close', (code, signal) => {
      this.children.delete(child);
      onExit?.({ code, signal, output, timedOut: false });
    });
    return { child, output: () => output };
  }

  /** Runs a program to its end, or kills it after `timeoutMs`. */
  run(argv: readonly string[], timeoutMs: number): Promise<Outcome> {
    return new Promise((resolve) => {
      let timedOut = false;
      const { child, output } = this.start(argv, (outcome) => {
        clearTimeout(timer);
        resolve({ ...outcome, output: output(), timedOut });
      });
      const timer = setTimeout(() => {
        timedOut = true;
        this.kill(child);
      }, timeoutMs);
    });
  }

  kill(child: ChildProcess): void {
    if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }

  killAll(): void {
    for (const child of this.children) this.kill(child);
  }
}

/** Runs a short setup command as root on the host; throws with its output when it fails. */
export function host(argv: readonly string[], timeoutMs = 10_000): string {
  const result = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8', timeout: timeoutMs });
  if (result.status !== 0) {
    throw new Error(`${argv.join(' ')} failed (${result.status ?? result.signal}): ${result.stderr || result.stdout}`);
  }
  return result.stdout;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `check` until it returns true or `timeoutMs` passes. */
export async function until(check: () => Promise<boolean>, timeoutMs: number, intervalMs = 500): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await sleep(intervalMs);
  }
  return false;
}
