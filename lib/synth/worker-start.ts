import { MessageChannel, Worker } from 'worker_threads';

/**
 * Starts the environment worker (./environment-worker.ts) on `entry`, the app's loader (`.build/main.js`),
 * and leaves its handle where `startOnWorker` takes it. No heavy import on purpose: the loader bundles this
 * file, and must stay small to start fast. The worker is unref'd: a run that gives it no job exits without
 * waiting for it.
 */
export const WORKER_ROLE = 'bana-synth-environment';
export const WORKER_HANDLE = Symbol.for('bana.synth.worker');

export function startEnvironmentWorker(entry: string): void {
  const { port1, port2 } = new MessageChannel();
  const signal = new Int32Array(new SharedArrayBuffer(4));
  const worker = new Worker(entry, { workerData: { role: WORKER_ROLE, port: port2, signal }, transferList: [port2], stdout: true, stderr: true });
  worker.unref();
  (globalThis as Record<symbol, unknown>)[WORKER_HANDLE] = { port: port1, signal };
}
