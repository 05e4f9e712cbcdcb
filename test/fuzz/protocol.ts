// Messages between the fuzz runner and its worker processes (over Node's IPC channel).
import type { Outcome } from "./outcome.js";

export interface RunRequest {
  type: "run";
  id: number;
  file: string;
  text: string;
  skipTypeCheck: boolean;
}

export type WorkerMessage =
  /** Loaded the translator and warmed it up; the first input's clock can start. */
  | { type: "ready"; ms: number }
  | { type: "result"; id: number; outcome: Outcome; ms: number; rssMb: number }
  /** The worker itself cannot go on (an error escaped translate's promise, or it could not start). */
  | { type: "fatal"; id?: number; name: string; message: string; stack?: string };

/** Environment variables the runner passes to a worker. */
export const ENV_TRANSLATOR = "NNXPORT_FUZZ_TRANSLATOR";
