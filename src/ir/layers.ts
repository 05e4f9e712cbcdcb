// The catalog of framework-neutral layers. A frontend maps its framework's
// layers onto these; the emitter maps these onto runtime classes. Adding a
// layer means one entry here, one row in each frontend's table and one in the
// emitter's.
import type { Expr } from "./model.js";
import { dimFromExpr, withLastDim, type ValueShape } from "./shapes.js";

export type LayerKind = "Linear" | "Conv" | "Dropout" | "BatchNorm" | "LayerNorm";

/** A variable a layer owns, as the runtime names it. */
export interface LayerVariable {
  name: string;
  type: "Param" | "BatchStat";
  /** The variable's shape, given the layer's options evaluated (numbers, or tuples such as a kernel size). */
  shape(sizes: Record<string, number | number[]>): number[];
}

export interface LayerSpec {
  /** Option the analysis fills from the input's last dimension (lazy → eager). */
  inputSizeOption?: string;
  /** Options that must be known after analysis; all others are optional. */
  required: string[];
  /** Variables owned, given the options as written. */
  variables(options: Record<string, Expr>): LayerVariable[];
  /** Output shape from input shape and options. */
  output(input: ValueShape, options: Record<string, Expr>): ValueShape;
  /** Whether calls behave differently in train and eval mode. */
  modal: boolean;
}

function isFalse(e: Expr | undefined): boolean {
  return e?.kind === "bool" && !e.value;
}

function isTrue(e: Expr | undefined): boolean {
  return e?.kind === "bool" && e.value;
}

const perFeature = (type: LayerVariable["type"]) => (name: string): LayerVariable => ({ name, type, shape: (d) => [d.numFeatures as number] });

const tuple = (v: number | number[]) => (Array.isArray(v) ? v : [v]);

export const LAYERS: Record<LayerKind, LayerSpec> = {
  Linear: {
    inputSizeOption: "inFeatures",
    required: ["inFeatures", "outFeatures"],
    variables: (o) => [
      { name: "kernel", type: "Param", shape: (d) => [d.inFeatures as number, d.outFeatures as number] },
      ...(isFalse(o.useBias) ? [] : [{ name: "bias", type: "Param" as const, shape: (d: Record<string, number | number[]>) => [d.outFeatures as number] }]),
    ],
    output: (input, o) => withLastDim(input, dimFromExpr(o.outFeatures)),
    modal: false,
  },
  Conv: {
    inputSizeOption: "inFeatures",
    required: ["inFeatures", "outFeatures", "kernelSize"],
    variables: (o) => [
      { name: "kernel", type: "Param", shape: (d) => [...tuple(d.kernelSize), d.inFeatures as number, d.outFeatures as number] },
      ...(isFalse(o.useBias) ? [] : [{ name: "bias", type: "Param" as const, shape: (d: Record<string, number | number[]>) => [d.outFeatures as number] }]),
    ],
    // Channels last: spatial sizes change with stride and padding, the channels become outFeatures.
    output: (input, o) => ({ dims: [dimFromExpr(o.outFeatures)] }),
    modal: false,
  },
  LayerNorm: {
    inputSizeOption: "numFeatures",
    required: ["numFeatures"],
    variables: (o) => [
      ...(isFalse(o.useScale) ? [] : [perFeature("Param")("scale")]),
      ...(isFalse(o.useBias) ? [] : [perFeature("Param")("bias")]),
    ],
    output: (input) => input,
    modal: false,
  },
  Dropout: {
    required: ["rate"],
    variables: () => [],
    output: (input) => input,
    modal: true,
  },
  BatchNorm: {
    inputSizeOption: "numFeatures",
    required: ["numFeatures"],
    variables: (o) => [
      ...(isFalse(o.useScale) ? [] : [perFeature("Param")("scale")]),
      ...(isFalse(o.useBias) ? [] : [perFeature("Param")("bias")]),
      ...["mean", "var"].map(perFeature("BatchStat")),
      // The zero-debiased EMA (Haiku's) also keeps the raw averages and update counts.
      ...(isTrue(o.zeroDebias)
        ? [
            ...["meanHidden", "varHidden"].map(perFeature("BatchStat")),
            ...["meanCount", "varCount"].map((name): LayerVariable => ({ name, type: "BatchStat", shape: () => [] })),
          ]
        : []),
    ],
    output: (input) => input,
    modal: true,
  },
};

