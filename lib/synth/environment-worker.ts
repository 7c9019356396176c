import { isMainThread, MessagePort, receiveMessageOnPort, workerData } from 'worker_threads';
import { saveValidatorCodeCache } from '../checks/schema-validator';
import { ManifestError } from '../checks/validate';
import { InputError } from '../platform/errors';
import { faultPoint } from '../output/faults';
import { SIGNAL, WORKER_HANDLE, WORKER_ROLE } from './worker-start';
import { EnvironmentSpec, PlatformSpec, Release } from '../platform/types';

/**
 * Environments in parallel: the two environments are independent until they are written, and the machine
 * has two cores, so one environment is synthesized on a worker thread while the main thread synthesizes the
 * other (`node --cpu-prof` of a full synth: ~80% of the run after loading is per-environment work).
 *
 * The worker runs `synthesizeEnvironment` (./synthesize.ts, handed in by main.ts: no import back). The loader (`.build/main.js`, lib/tools/main-loader.js) starts the worker first thing, so it loads the app
 * while the main thread does; it hands the main thread a port and a shared signal under `WORKER_HANDLE`. The
 * CLI stays synchronous: the main thread posts the job, synthesizes its own environment, then blocks on the
 * signal (`Atomics.wait`) and takes the reply with `receiveMessageOnPort`. The worker writes nothing but its
 * build caches (.build/validators); the main thread validates every input first, writes, and reports errors
 * exactly as a serial run does: the first environment's error first, an `InputError` or `ManifestError`
 * rebuilt with the same input, value, allowed text and problems. Without the loader (jest, the bench's
 * in-memory runs) or with `NX_SYNTH_WORKER=0`, environments are synthesized one after the other.
 */

interface WorkerHandle {
  readonly port: MessagePort;
  readonly signal: Int32Array;
}

interface Job {
  readonly platform: PlatformSpec;
  readonly environment: EnvironmentSpec;
  readonly release: Release;
}

/** An error as it crosses the thread boundary: enough to throw the same error on the main thread. */
export type WireError =
  | { readonly kind: 'manifest'; readonly input: string; readonly value: unknown; readonly allowed: string; readonly problems: readonly string[] }
  | { readonly kind: 'input'; readonly input: string; readonly value: unknown; readonly allowed: string }
  | { readonly kind: 'other'; readonly message: string };

type Reply<R> = { readonly ok: true; readonly result: R } | { readonly ok: false; readonly error: WireError };

/** Exported for the tests: what the worker sends for an error. */
export function toWire(error: unknown): WireError {
  if (error instanceof ManifestError) return { kind: 'manifest', input: error.input, value: error.value, allowed: error.allowed, problems: error.problems };
  if (error instanceof InputError) return { kind: 'input', input: error.input, value: error.value, allowed: error.allowed };
  return { kind: 'other', message: error instanceof Error ? error.message : String(error) };
}

/** Exported for the tests: the error the main thread throws for what the worker sent. */
export function fromWire(error: WireError): Error {
  if (error.kind === 'manifest') return new ManifestError(error.input, error.value, error.allowed, error.problems);
  if (error.kind === 'input') return new InputError(error.input, error.value, error.allowed);
  return new Error(error.message);
}

/** Whether this thread is the environment worker the loader started. */
export function isEnvironmentWorker(): boolean {
  return !isMainThread && (workerData as { role?: unknown } | null)?.role === WORKER_ROLE;
}

/**
 * The worker's side: synthesizes the one environment it is sent (with the same function as the main
 * thread), saves its build caches, replies, then raises the signal. Any failure is a reply too; a worker that
 * ends without replying raises the signal as `ended` (./worker-start.ts `watchWorkerEnd`), so the main
 * thread never waits forever.
 */
export function serveEnvironmentJob<R>(synthesize: (platform: PlatformSpec, environment: EnvironmentSpec, release: Release) => R): void {
  const { port, signal } = workerData as WorkerHandle & { role: string };
  port.once('message', (job: Job) => {
    // The tests make the worker fail here, outside the reply's try, as a crash would (NX_FAULT=eacces@worker).
    faultPoint('worker');
    let reply: Reply<R>;
    try {
      reply = { ok: true, result: synthesize(job.platform, job.environment, job.release) };
      saveValidatorCodeCache();
    } catch (error) {
      reply = { ok: false, error: toWire(error) };
    }
    port.postMessage(reply);
    if (Atomics.compareExchange(signal, 0, SIGNAL.pending, SIGNAL.replied) === SIGNAL.pending) Atomics.notify(signal, 0);
    port.close();
  });
}

/** A job handed to the worker; `result()` waits for it. */
export interface PendingEnvironment<R> {
  /** The worker's result, or its error thrown as the serial run would throw it; `undefined` when the worker ended without one. */
  result(): R | undefined;
}

/**
 * Hands one environment to the worker the loader started, if there is one (once per process: the worker
 * takes a single job). Returns `undefined` when there is no worker.
 */
export function startOnWorker<R>(platform: PlatformSpec, environment: EnvironmentSpec, release: Release): PendingEnvironment<R> | undefined {
  const globals = globalThis as Record<symbol, unknown>;
  const handle = globals[WORKER_HANDLE] as WorkerHandle | undefined;
  if (!handle) return undefined;
  delete globals[WORKER_HANDLE];
  const job: Job = { platform, environment, release };
  handle.port.postMessage(job);
  return {
    result: () => {
      while (Atomics.load(handle.signal, 0) === SIGNAL.pending) Atomics.wait(handle.signal, 0, SIGNAL.pending);
      const received = receiveMessageOnPort(handle.port);
      handle.port.close();
      if (!received) return undefined;
      const reply = received.message as Reply<R>;
      if (!reply.ok) throw fromWire(reply.error);
      return reply.result;
    },
  };
}
