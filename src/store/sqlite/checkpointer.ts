// WAL checkpoints off the store's thread. With SQLite's automatic checkpoint, the commit that
// crosses the threshold copies the whole WAL into the database file before it returns: a record
// write that happened to be that commit took 70-80 ms instead of 5 (bench scenario 2b, p99), and
// on the one connection every operation queued behind it waited as long. So the store's connection
// never checkpoints (wal_autocheckpoint = 0) and a worker thread with its own connection runs
// PASSIVE checkpoints (they never wait for, nor block, the writer) soon after commits. The thread
// uses node:sqlite directly: it runs one PRAGMA, nothing of the store.
import { Worker } from 'node:worker_threads';

/** Runs in the thread (plain CommonJS, eval'd: nothing to resolve or transpile). */
const THREAD = `
const { parentPort, workerData } = require('node:worker_threads');
const emitWarning = process.emitWarning; // Node 22's "SQLite is an experimental feature": dropped, as the driver does
process.emitWarning = (w, ...rest) => { if (!/^SQLite is an experimental feature/.test(String(w && w.message || w))) emitWarning.call(process, w, ...rest); };
const { DatabaseSync } = process.getBuiltinModule('node:sqlite');
process.emitWarning = emitWarning;
const db = new DatabaseSync(workerData.path);
db.exec('PRAGMA busy_timeout = 1000');
const checkpoint = db.prepare('PRAGMA wal_checkpoint(PASSIVE)');
parentPort.on('message', (m) => {
  if (m === 'close') { db.close(); parentPort.close(); return; }
  try {
    const r = checkpoint.get();
    parentPort.postMessage({ error: null, frames: r.log });
  } catch (e) {
    parentPort.postMessage({ error: String(e && e.message || e), frames: 0 });
  }
});
`;

export interface CheckpointerOptions {
  path: string;
  /** Least time between two checkpoints. Default 20 ms. */
  minGapMs?: number;
  /**
   * The thread is gone (it failed to start, or crashed): the store's connection goes back to
   * SQLite's own checkpoints in its commits. Called once.
   */
  onLost: () => void;
  /** WAL frames past which restartDue() says so. Default 20,000 (about 80 MiB). */
  maxFrames?: number;
}

/**
 * Checkpoints soon after commits, one at a time, at most one per minGapMs. Soon matters: SQLite
 * starts the WAL over (instead of growing it) only when a write begins with every frame already
 * copied, so a checkpoint must usually finish between two writes. Copying a few commits' pages
 * does; one checkpoint per 200 ms under steady writes never caught up and the WAL grew for ever.
 */
export class Checkpointer {
  private readonly worker: Worker;
  private readonly exited: Promise<void>;
  private readonly minGapMs: number;
  private dirty = false;
  private running = false;
  private lastStart = -Infinity;
  private timer: NodeJS.Timeout | undefined;
  private closed: Promise<void> | undefined;
  private frames = 0;

  constructor(private readonly options: CheckpointerOptions) {
    this.minGapMs = options.minGapMs ?? 20;
    this.worker = new Worker(THREAD, { eval: true, workerData: { path: options.path } });
    this.worker.unref(); // it never keeps a process alive
    this.exited = new Promise((resolve) => this.worker.once('exit', () => resolve()));
    this.worker.on('message', (m: { error: string | null; frames: number }) => {
      this.running = false;
      // A failed checkpoint: the store's connection restarts the WAL itself at its next commit.
      this.frames = m.error === null ? m.frames : Number.POSITIVE_INFINITY;
      this.kick();
    });
    this.worker.on('error', () => undefined); // 'exit' follows
    void this.exited.then(() => {
      if (!this.closed) {
        this.closed = this.exited;
        this.options.onLost();
      }
    });
  }

  /** A transaction committed: the WAL has frames to copy. */
  committed(): void {
    this.dirty = true;
    this.kick();
  }

  /**
   * The WAL kept growing: writes came so close together that no checkpoint finished between two.
   * The store's connection then runs a RESTART checkpoint itself (rare; what is left to copy is small).
   */
  restartDue(): boolean {
    if (this.frames <= (this.options.maxFrames ?? 20_000)) return false;
    this.frames = 0;
    return true;
  }

  private kick(): void {
    if (!this.dirty || this.running || this.closed || this.timer) return;
    const wait = this.lastStart + this.minGapMs - Date.now();
    if (wait > 0) {
      this.timer = setTimeout(() => { this.timer = undefined; this.kick(); }, wait);
      this.timer.unref();
      return;
    }
    this.dirty = false;
    this.running = true;
    this.lastStart = Date.now();
    this.worker.postMessage('checkpoint');
  }

  /** Stops the thread (its connection closed) before the store closes its own. */
  close(): Promise<void> {
    if (!this.closed) {
      clearTimeout(this.timer);
      this.worker.ref(); // until it has exited: close() must not end with the process
      this.worker.postMessage('close'); // nothing happens if it already exited
      this.closed = this.exited;
    }
    return this.closed;
  }
}
