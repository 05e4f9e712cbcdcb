// Loading a graph into a TensorFlow session and running it, through the tfjs-node
// binding tf.node.loadSavedModel uses (TF_LoadSessionFromSavedModel, TF_SessionRun),
// called directly because a jitted call is synchronous and loadSavedModel's
// wrapper is async. There is no API to run a GraphDef without writing it to disk,
// so the SavedModel is written to a temporary folder, loaded, and removed.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { tf } from "../tf.js";
import { DT, Graph, type Attr } from "./ir.js";
import { type FunctionSpec, savedModelOf } from "./emit.js";
import { nodeBackend, type TensorMetadata } from "./record.js";

export class Session {
  private disposed = false;
  private readonly inputs: string;
  private readonly outputs: string;

  private constructor(
    private readonly id: number,
    inputNames: string[],
    outputNames: string[],
  ) {
    this.inputs = inputNames.join(",");
    this.outputs = outputNames.join(",");
  }

  static load(main: Graph, library: FunctionSpec[]): Session {
    const { bytes, inputNames, outputNames } = savedModelOf(main, library);
    // NNXPORT_JIT_DUMP=folder keeps a copy of every graph (one subfolder each), to inspect with TensorFlow's tools.
    const dump = process.env.NNXPORT_JIT_DUMP;
    if (dump) {
      mkdirSync(dump, { recursive: true });
      const kept = mkdtempSync(join(dump, "graph-"));
      writeFileSync(join(kept, "saved_model.pb"), bytes);
    }
    const dir = mkdtempSync(join(tmpdir(), "nnxport-jit-"));
    try {
      writeFileSync(join(dir, "saved_model.pb"), bytes);
      const id = nodeBackend().binding.loadSavedModel(dir, "serve");
      return new Session(id, inputNames, outputNames);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  /** Runs the graph on `inputs` (in graph-input order); the outputs are new tensors you own. */
  run(inputs: tf.Tensor[]): tf.Tensor[] {
    if (this.disposed) throw new Error("nnx.jit: this compiled step was disposed");
    const backend = nodeBackend();
    const ids = backend.getInputTensorIds(inputs);
    let out: TensorMetadata[];
    try {
      out = backend.binding.runSavedModel(this.id, ids, this.inputs, this.outputs);
    } catch (e) {
      throw new Error(`nnx.jit: the compiled graph failed to run: ${(e as Error).message}`);
    }
    return out.map((m) => backend.createOutputTensor(m));
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    nodeBackend().binding.deleteSavedModel(this.id);
  }
}

const flag = (value: boolean): Attr => ({ kind: "b", value });
const str = (value: string): Attr => ({ kind: "s", value });

/**
 * The step as one function compiled by XLA: the main graph only feeds the
 * arguments to a StatefulPartitionedCall marked _XlaMustCompile (what
 * tf.function(jit_compile=True) writes).
 */
export function xlaWrapped(step: Graph, library: FunctionSpec[]): { main: Graph; library: FunctionSpec[] } {
  const main = new Graph();
  const args = step.inputs.map((id) => {
    const o = step.node(id).outputs[0];
    return main.placeholder(o.dtype, o.shape);
  });
  const outs = step.outputs.map((r) => step.info(r));
  const name = "nnx_jit_step";
  const call = main.add(
    "StatefulPartitionedCall",
    args,
    {
      Tin: { kind: "list_type", value: args.map((a) => main.info(a).dtype) },
      Tout: { kind: "list_type", value: outs.map((o) => o.dtype) },
      f: { kind: "func", value: name },
      config: str(""),
      config_proto: str(""),
      executor_type: str(""),
      _XlaMustCompile: flag(true),
    },
    outs.map((o) => ({ dtype: o.dtype, shape: [...o.shape] })),
  );
  outs.forEach((_, k) => main.outputs.push({ node: call.id, index: k }));
  return { main, library: [...library, { name, graph: step, attrs: { _XlaMustCompile: flag(true), _noinline: flag(true) } }] };
}

let xlaProbe: { available: boolean; why?: string } | undefined;

/**
 * Whether this libtensorflow compiles with XLA: a tiny graph (x * 2 + 1) marked
 * _XlaMustCompile is loaded and run once (cached for the process).
 */
export function xlaAvailable(): { available: boolean; why?: string } {
  if (xlaProbe) return xlaProbe;
  if (tf.getBackend() !== "tensorflow") return (xlaProbe = { available: false, why: `the ${tf.getBackend()} backend has no XLA` });
  try {
    const g = new Graph();
    const x = g.placeholder(DT.float32, [3]);
    const T = { T: { kind: "type", value: DT.float32 } as Attr };
    const y = g.op("Mul", [x, g.scalar(DT.float32, 2)], T, { dtype: DT.float32, shape: [3] });
    g.outputs.push(g.op("AddV2", [y, g.scalar(DT.float32, 1)], T, { dtype: DT.float32, shape: [3] }));
    const { main, library } = xlaWrapped(g, []);
    const s = Session.load(main, library);
    try {
      const input = tf.tensor1d([1, 2, 3]);
      const [out] = s.run([input]);
      const ok = [...out.dataSync()].join(",") === "3,5,7";
      tf.dispose([input, out]);
      xlaProbe = ok ? { available: true } : { available: false, why: "the XLA probe computed a wrong result" };
    } finally {
      s.dispose();
    }
  } catch (e) {
    xlaProbe = { available: false, why: (e as Error).message.split("\n")[0] };
  }
  return xlaProbe;
}
