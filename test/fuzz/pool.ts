// Long-lived worker processes that translate inputs one at a time each. A
// process per input would spend seconds loading the translator every time; a
// worker is killed and replaced when an input overruns its time limit, when it
// dies, after `recycleAfter` inputs, or when it grows past `maxRssMb` (every
// translation imports a generated module, which Node never unloads: about
// 0.4 MB an input, from some 550 MB after the warm-up).
import { fork, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { Outcome } from "./outcome.js";
import { ENV_TRANSLATOR, type RunRequest, type WorkerMessage } from "./protocol.js";

const WORKER = fileURLToPath(new URL("./worker.ts", import.meta.url));

/** Every live worker of every pool, killed if this process exits without closing its pools. */
const live = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of live) child.kill("SIGKILL");
});
const REGISTER = new URL("../../scripts/ts-register.mjs", import.meta.url).href;

export interface PoolOptions {
  jobs: number;
  /** Per-input time limit, counted from when the worker receives the input. */
  timeoutMs: number;
  /** Absolute path of the module that exports translate. */
  translator: string;
  recycleAfter?: number;
  maxRssMb?: number;
  /** Time for a worker to load the translator and warm up. */
  startTimeoutMs?: number;
  /** TMPDIR for the workers (the translator writes generated modules there). */
  tmpDir?: string;
  /** An error escaped translate's promise after it answered (a stray rejection); reported against that input. */
  onLateFatal?: (input: JobInput, outcome: Outcome) => void;
}

export interface JobInput {
  file: string;
  text: string;
  skipTypeCheck: boolean;
  /** The caller's name for the input (a mutant index), handed back with a late error. */
  tag?: number;
}

export interface JobResult {
  outcome: Outcome;
  /** Time the worker spent (for a time-out, the limit). */
  ms: number;
}

interface Job {
  id: number;
  input: JobInput;
  resolve: (r: JobResult) => void;
  reject: (e: Error) => void;
}

interface Slot {
  child: ChildProcess;
  ready: boolean;
  job?: Job;
  timer?: NodeJS.Timeout;
  runs: number;
  lastJob?: Job;
  stderr: string;
  /** Set once this slot's process is being replaced, so its exit is not reported twice. */
  done: boolean;
}

export class WorkerPool {
  private readonly queue: Job[] = [];
  private readonly slots = new Set<Slot>();
  private nextId = 1;
  private closed = false;
  private failure?: Error;
  readonly stats = { started: 0, timeouts: 0, deaths: 0, recycled: 0, warmUpMs: [] as number[], maxRssMb: 0 };

  constructor(private readonly options: PoolOptions) {
    if (options.jobs < 1) throw new Error("WorkerPool: jobs must be at least 1");
  }

  run(input: JobInput): Promise<JobResult> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.closed) return Promise.reject(new Error("WorkerPool: closed"));
    return new Promise<JobResult>((resolve, reject) => {
      this.queue.push({ id: this.nextId++, input, resolve, reject });
      this.fill();
      this.dispatch();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    const exits = [...this.slots].map((s) => this.stop(s));
    await Promise.all(exits);
  }

  /** Starts workers up to `jobs` while there is work. */
  private fill(): void {
    while (!this.closed && !this.failure && this.slots.size < this.options.jobs && this.slots.size < this.queue.length + this.busyCount()) this.spawn();
  }

  private busyCount(): number {
    return [...this.slots].filter((s) => s.job).length;
  }

  private spawn(): void {
    const child = fork(WORKER, [], {
      execArgv: ["--import", REGISTER, "--enable-source-maps", "--max-old-space-size=3072"],
      env: { ...process.env, [ENV_TRANSLATOR]: this.options.translator, ...(this.options.tmpDir ? { TMPDIR: this.options.tmpDir } : {}) },
      stdio: ["ignore", "pipe", "pipe", "ipc"],
      serialization: "json",
    });
    live.add(child);
    const slot: Slot = { child, ready: false, runs: 0, stderr: "", done: false };
    this.slots.add(slot);
    this.stats.started++;
    child.stdout?.resume();
    child.stderr?.setEncoding("utf8");
    child.stderr?.on("data", (chunk: string) => {
      slot.stderr = (slot.stderr + chunk).slice(-8192);
    });
    const startTimer = setTimeout(() => {
      if (!slot.ready) this.startFailed(slot, `did not start within ${this.options.startTimeoutMs ?? 180_000} ms`);
    }, this.options.startTimeoutMs ?? 180_000);
    child.on("message", (msg: WorkerMessage) => this.onMessage(slot, msg, startTimer));
    child.on("error", (e) => {
      if (!slot.ready) this.startFailed(slot, e.message);
    });
    child.on("exit", (code, signal) => {
      live.delete(child);
      clearTimeout(startTimer);
      if (slot.done) return;
      slot.done = true;
      this.slots.delete(slot);
      if (!slot.ready) {
        this.startFailed(slot, `exited during start (code ${code}, signal ${signal})`);
        return;
      }
      const job = slot.job;
      if (job) {
        clearTimeout(slot.timer);
        this.stats.deaths++;
        job.resolve({ outcome: { k: "exited", exitCode: code, signal, stderr: slot.stderr }, ms: 0 });
      }
      this.fill();
      this.dispatch();
    });
  }

  private onMessage(slot: Slot, msg: WorkerMessage, startTimer: NodeJS.Timeout): void {
    if (slot.done) return;
    if (msg.type === "ready") {
      clearTimeout(startTimer);
      slot.ready = true;
      this.stats.warmUpMs.push(msg.ms);
      this.dispatch();
      return;
    }
    if (msg.type === "fatal") {
      if (!slot.ready) {
        this.startFailed(slot, `${msg.name}: ${msg.message}\n${msg.stack ?? ""}`);
        return;
      }
      const outcome: Outcome = { k: "threw", name: `${msg.name} (uncaught in the worker)`, message: msg.message, stack: msg.stack };
      const job = slot.job;
      if (job && msg.id === job.id) {
        this.finish(slot, { outcome, ms: 0 });
      } else {
        // Raised after the previous input's answer: blame that input, and give
        // the one in flight (if any) to another worker, since this one exits.
        if (slot.lastJob) this.options.onLateFatal?.(slot.lastJob.input, outcome);
        if (job) {
          clearTimeout(slot.timer);
          slot.job = undefined;
          this.queue.unshift(job);
        }
      }
      // The worker exits after a fatal error; replace it now.
      this.retire(slot);
      return;
    }
    if (msg.type === "result" && slot.job && msg.id === slot.job.id) {
      this.stats.maxRssMb = Math.max(this.stats.maxRssMb, msg.rssMb);
      this.finish(slot, { outcome: msg.outcome, ms: msg.ms });
      if (slot.runs >= (this.options.recycleAfter ?? 2000) || msg.rssMb > (this.options.maxRssMb ?? 2000)) {
        this.stats.recycled++;
        this.retire(slot);
      } else {
        this.dispatch();
      }
    }
  }

  private finish(slot: Slot, result: JobResult): void {
    const job = slot.job!;
    clearTimeout(slot.timer);
    slot.job = undefined;
    slot.timer = undefined;
    slot.runs++;
    slot.lastJob = job;
    job.resolve(result);
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      if (!slot.ready || slot.job || slot.done) continue;
      const job = this.queue.shift();
      if (!job) break;
      slot.job = job;
      const { file, text, skipTypeCheck } = job.input;
      const req: RunRequest = { type: "run", id: job.id, file, text, skipTypeCheck };
      slot.timer = setTimeout(() => {
        if (slot.job !== job) return;
        this.stats.timeouts++;
        slot.job = undefined;
        job.resolve({ outcome: { k: "timeout", limitMs: this.options.timeoutMs }, ms: this.options.timeoutMs });
        this.retire(slot);
      }, this.options.timeoutMs);
      slot.child.send(req);
    }
    this.fill();
  }

  /** Kills a worker and starts a replacement if there is work left. */
  private retire(slot: Slot): void {
    void this.stop(slot);
    this.fill();
    this.dispatch();
  }

  private stop(slot: Slot): Promise<void> {
    this.slots.delete(slot);
    clearTimeout(slot.timer);
    if (slot.done && slot.child.exitCode !== null) return Promise.resolve();
    slot.done = true;
    return new Promise<void>((resolve) => {
      if (slot.child.exitCode !== null || slot.child.signalCode !== null) return resolve();
      slot.child.once("exit", () => resolve());
      slot.child.kill("SIGKILL");
    });
  }

  private startFailed(slot: Slot, why: string): void {
    void this.stop(slot);
    if (this.failure) return;
    this.failure = new Error(`fuzz worker failed to start: ${why}\n--- worker stderr ---\n${slot.stderr}`);
    for (const job of this.queue.splice(0)) job.reject(this.failure);
    for (const s of this.slots) if (s.job) s.job.reject(this.failure);
  }
}
