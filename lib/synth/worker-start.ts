import { isMainThread, MessageChannel, Worker, workerData } from 'worker_threads';

/**
 * Starts the environment worker (./environment-worker.ts) on `entry`, the app's loader (`.build/main.js`),
 * and leaves its handle where `startOnWorker` takes it. No heavy import on purpose: the loader bundles this
 * file, and must stay small to start fast. The worker is unref'd: a run that gives it no job exits without
 * waiting for it.
 */
export const WORKER_ROLE = 'bana-synth-environment';
export const WORKER_HANDLE = Symbol.for('bana.synth.worker');

/** Values of the shared signal: the worker has not answered yet; it posted its reply; it ended without one. */
export const SIGNAL = { pending: 0, replied: 1, ended: 2 } as const;

export function startEnvironmentWorker(entry: string): void {
  const { port1, port2 } = new MessageChannel();
  const signal = new Int32Array(new SharedArrayBuffer(4));
  const worker = new Worker(entry, { workerData: { role: WORKER_ROLE, port: port2, signal }, transferList: [port2], stdout: true, stderr: true });
  worker.unref();
  // A worker that fails (to load, say) tells the main thread through the signal (see watchWorkerEnd); its
  // 'error' event must not end the main thread's run with an unhandled error.
  worker.on('error', () => undefined);
  (globalThis as Record<symbol, unknown>)[WORKER_HANDLE] = { port: port1, signal };
}

/**
 * On the environment worker, first thing (the loader calls it before loading the app): whenever the worker
 * ends without having replied (an error while loading, an uncaught exception), the signal says so, and the
 * main thread, blocked on it, synthesizes that environment itself instead of waiting forever.
 */
export function watchWorkerEnd(): void {
  if (isMainThread || (workerData as { role?: unknown } | null)?.role !== WORKER_ROLE) return;
  const { signal } = workerData as { signal: Int32Array };
  process.once('exit', () => {
    if (Atomics.compareExchange(signal, 0, SIGNAL.pending, SIGNAL.ended) === SIGNAL.pending) Atomics.notify(signal, 0);
  });
}
