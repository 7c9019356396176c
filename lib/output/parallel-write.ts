import * as fs from 'fs';
import { MessageChannel, MessagePort, receiveMessageOnPort, Worker } from 'worker_threads';

/** One file to create with its content. */
export interface NewFile {
  readonly file: string;
  readonly content: string;
}

/**
 * From this many files on, `writeNewFiles` writes with `WRITERS` threads at once. Creating a file costs this
 * machine's disk ~0.25–0.3 ms, mostly waiting in the kernel: a plain `fs.writeFileSync` loop over the 16,800
 * files of the bench's 1,000 services took 4.0–4.7 s, eight concurrent writers 2.4–2.9 s. Below it (an
 * ordinary synth writes a few hundred files) starting the threads would cost more than it saves.
 */
export const PARALLEL_FROM = 1000;
const WRITERS = 4;

/**
 * A writer thread: writes its share, stops at the first error and reports it, and always raises the shared
 * count when it ends, so the waiting thread never waits forever.
 */
const WRITER = `
const fs = require('fs');
const { workerData } = require('worker_threads');
const { files, contents, done, port } = workerData;
let raised = false;
const raise = () => {
  if (raised) return;
  raised = true;
  Atomics.add(done, 0, 1);
  Atomics.notify(done, 0);
};
process.once('exit', raise);
try {
  for (let i = 0; i < files.length; i++) fs.writeFileSync(files[i], contents[i]);
} catch (error) {
  port.postMessage({ message: String(error && error.message), code: error && error.code });
} finally {
  port.close();
  raise();
}
`;

/**
 * Creates every file with its content (their folders exist). Synchronous like the rest of the writer: with
 * many files the work is shared by `WRITERS` threads and this thread waits for all of them (`Atomics.wait`).
 * Throws the first error a writer met, with its code (ENOSPC, EACCES…), after every writer has stopped, so
 * the caller's cleanup never races a write.
 */
export function writeNewFiles(files: readonly NewFile[]): void {
  if (files.length < PARALLEL_FROM) {
    for (const f of files) fs.writeFileSync(f.file, f.content);
    return;
  }
  const done = new Int32Array(new SharedArrayBuffer(4));
  const ports: MessagePort[] = [];
  for (let w = 0; w < WRITERS; w++) {
    const share = files.filter((_, i) => i % WRITERS === w);
    const { port1, port2 } = new MessageChannel();
    ports.push(port1);
    const worker = new Worker(WRITER, {
      eval: true,
      workerData: { files: share.map((f) => f.file), contents: share.map((f) => f.content), done, port: port2 },
      transferList: [port2],
    });
    worker.unref();
    // Its failure is reported through the port; the event must not end the run on its own.
    worker.on('error', () => undefined);
  }
  for (let seen = Atomics.load(done, 0); seen < WRITERS; seen = Atomics.load(done, 0)) Atomics.wait(done, 0, seen);
  const failures = ports.map((port) => receiveMessageOnPort(port)?.message as { message: string; code?: string } | undefined).filter((m) => m !== undefined);
  for (const port of ports) port.close();
  if (failures.length > 0) {
    const error = new Error(failures[0]!.message) as NodeJS.ErrnoException;
    if (failures[0]!.code) error.code = failures[0]!.code;
    throw error;
  }
}
