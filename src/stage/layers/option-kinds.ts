// What kind of Python value each neutral layer option takes, so that a source argument of
// another kind (`nn.Dropout("")`, `nn.Dense(features="8")`) is reported at its line instead of
// reaching the runtime's typed constructor. Options not listed take anything the catalog accepts.
import type { StaticType } from "../values.js";

type OptionKind = "number" | "int" | "bool" | "str" | "sizes";

const KINDS: Record<OptionKind, string[]> = {
  number: ["rate", "dropoutRate", "epsilon", "eps", "momentum", "decay", "commitmentCost", "wInitScale"],
  int: [
    "features", "outFeatures", "numEmbeddings", "embeddingDim", "embedDim", "numHeads", "numClasses", "channelMultiplier",
    "vocabSize", "valueSize", "qkvFeatures", "outputSize", "outputChannels", "numSpatialDims", "nSteps", "modelSize",
    "keySize", "hiddenSize", "featureGroupCount", "channels", "warmupLength",
  ],
  bool: [
    "useBias", "withBias", "timeMajor", "returnCarry", "reverse", "keepOrder", "zeroDebias", "useScale", "useFastVariance",
    "useBn", "transposeKernel", "normalizeQk", "resnetV2", "activateFinal", "broadcastDropout",
  ],
  str: ["dataFormat", "lookupStyle", "rngCollection"],
  sizes: ["kernelSize", "strides", "stride", "kernelDilation", "windowShape", "kernelShape", "inputDilation"],
};

const KIND_OF = new Map<string, OptionKind>(Object.entries(KINDS).flatMap(([k, names]) => names.map((n) => [n, k as OptionKind])));

const WANTED: Record<OptionKind, string> = {
  number: "a number",
  int: "an int",
  bool: "a bool",
  str: "a string",
  sizes: "an int or a tuple of ints",
};

/** Whether a value of this type can be what the kind asks for (unknown types can). */
function fits(kind: OptionKind, type: StaticType): boolean {
  switch (type.t) {
    case "any":
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

/** What is wrong with giving a value of `type` for `option`, or undefined when nothing is. */
export function optionKindProblem(option: string, type: StaticType): string | undefined {
  const kind = KIND_OF.get(option);
  if (!kind || fits(kind, type)) return undefined;
  return `takes ${WANTED[kind]}, not ${type.t === "none" ? "None" : `a ${type.t === "str" ? "string" : type.t} value`}`;
}
