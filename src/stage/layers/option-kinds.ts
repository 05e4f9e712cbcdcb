// What kind of Python value each neutral layer option takes, so that a source argument of
// another kind (`nn.Dropout("")`, `nn.Dense(features="8")`) is reported at its line instead of
// reaching the runtime's typed constructor. Options not listed take anything the catalog accepts.
import type { Known, StaticType } from "../values.js";

// "sizes": an int or a tuple of ints; layers read some sizes either way (DenseGeneral's features,
// hk.Bias's output_size, MobileNet's channels), so every size option takes both.
type OptionKind = "number" | "bool" | "str" | "sizes";

const KINDS: Record<OptionKind, string[]> = {
  number: ["rate", "dropoutRate", "epsilon", "eps", "momentum", "decay", "commitmentCost", "wInitScale"],
  sizes: [
    "kernelSize", "strides", "stride", "kernelDilation", "windowShape", "kernelShape", "inputDilation",
    "features", "outFeatures", "numEmbeddings", "embeddingDim", "embedDim", "numHeads", "numClasses", "channelMultiplier",
    "vocabSize", "valueSize", "qkvFeatures", "outputSize", "outputChannels", "numSpatialDims", "nSteps", "modelSize",
    "keySize", "hiddenSize", "featureGroupCount", "channels", "warmupLength",
  ],
  bool: [
    "useBias", "withBias", "timeMajor", "returnCarry", "reverse", "keepOrder", "zeroDebias", "useScale", "useFastVariance",
    "useBn", "transposeKernel", "normalizeQk", "resnetV2", "activateFinal", "broadcastDropout",
  ],
  str: ["dataFormat", "lookupStyle", "rngCollection"],
};

const KIND_OF = new Map<string, OptionKind>(Object.entries(KINDS).flatMap(([k, names]) => names.map((n) => [n, k as OptionKind])));

const WANTED: Record<OptionKind, string> = {
  number: "a number",
  bool: "a bool",
  str: "a string",
  sizes: "an int or a tuple of ints",
};

/** Whether a value of this type can be what the kind asks for (unknown types can). */
function fits(kind: OptionKind, type: StaticType): boolean {
  switch (type.t) {
    case "any":
    case "none": // many options default to None (qkv_features, out_features, num_classes, ...)
      return true;
    case "int":
    case "bool":
      return kind !== "str";
    case "float":
      return kind === "number";
    case "str":
      return kind === "str";
    case "tuple":
      return kind === "sizes" && type.items.every((i) => i.t === "int" || i.t === "any");
    case "seq":
      return kind === "sizes" && (type.of.t === "int" || type.of.t === "any");
    default:
      return false;
  }
}

/** What is wrong with giving a value of `type` (`known`, when the translator knows it) for `option`, or undefined when nothing is. */
export function optionKindProblem(option: string, type: StaticType, known?: Known): string | undefined {
  const kind = KIND_OF.get(option);
  if (!kind) return undefined;
  if (!fits(kind, type)) return `takes ${WANTED[kind]}, not ${type.t === "none" ? "None" : `a ${type.t === "str" ? "string" : type.t} value`}`;
  // A size the translator knows (an annotation says int, the value is 2.5; `(3 == 3)`): a whole number of at least 0.
  if (kind === "sizes") {
    const bad = (Array.isArray(known) ? known : [known]).find((k) => typeof k === "boolean" || (typeof k === "number" && !(Number.isInteger(k) && k >= 0)));
    if (bad !== undefined) return `takes ${WANTED[kind]} of at least 0, not ${typeof bad === "boolean" ? (bad ? "True" : "False") : bad}`;
  }
  return undefined;
}
