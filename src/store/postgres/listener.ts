// Wake-ups across processes: one dedicated connection LISTENs on the schema's channel and
// reconnects with backoff when it dies. The engine also polls, so a notification lost while the
// connection is down only delays work; a reconnect wakes the listeners once to cover that gap.
import pg from 'pg';
import { setTimeout as sleep } from 'node:timers/promises';

export interface WakeListenerOptions {
  config: pg.ClientConfig;
  /** A validated identifier (see SCHEMA_NAME), so it can appear in LISTEN. */
  channel: string;
  wake: () => void;
  onError: (error: Error) => void;
  minDelayMs?: number;
  maxDelayMs?: number;
}

export class WakeListener {
  private stopped = false;
  private client: pg.Client | undefined;
  private readonly abort = new AbortController();
  private loop: Promise<void> | undefined;
  /** The backend pid of the listening connection, for fault tests. */
  backendPid: number | undefined;
  private listeningResolve: (() => void) | undefined;
  /** Resolves once LISTEN is in place (again); tests and callers that must not miss the first wake await it. */
  listening: Promise<void>;

  constructor(private readonly options: WakeListenerOptions) {
    this.listening = this.newListening();
  }

  private newListening(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.listeningResolve = resolve;
    });
  }

  private setListening(): void {
    this.listeningResolve?.();
    this.listeningResolve = undefined;
  }

  start(): void {
    this.loop ??= this.run();
  }

  private async run(): Promise<void> {
    const min = this.options.minDelayMs ?? 100;
    const max = this.options.maxDelayMs ?? 5000;
    let delay = min;
    let connectedBefore = false;
    while (!this.stopped) {
      const client = new pg.Client(this.options.config);
      const ended = new Promise<void>((resolve) => client.once('end', resolve));
      client.on('error', (error) => this.options.onError(error));
      try {
        await client.connect();
        client.on('notification', () => this.options.wake());
        await client.query(`LISTEN ${this.options.channel}`);
        const pid = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
        this.backendPid = pid.rows[0]?.pid;
        this.client = client;
        delay = min;
        this.setListening();
        if (connectedBefore) this.options.wake();
        connectedBefore = true;
        if (!this.stopped) await ended;
      } catch (error) {
        if (!this.stopped) this.options.onError(error as Error);
      }
      this.client = undefined;
      this.backendPid = undefined;
      await client.end().catch(() => undefined);
      if (this.stopped) break;
      // A new promise only once the last one resolved: callers already waiting keep waiting for the reconnect.
      if (!this.listeningResolve) this.listening = this.newListening();
      try {
        await sleep(delay * (0.5 + Math.random() / 2), undefined, { signal: this.abort.signal });
      } catch {
        break; // aborted by stop()
      }
      delay = Math.min(max, delay * 2);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.abort.abort();
    await this.client?.end().catch(() => undefined);
    await this.loop;
    this.loop = undefined;
  }
}
