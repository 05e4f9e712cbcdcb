/** `linear_1` → `linear1`, `batch_norm` → `batchNorm`: how the NNX program spells a source name. */
export function nnxName(name: string): string {
  return name.replace(/_+([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** `Model` → `createModel`. */
export function factoryName(moduleName: string): string {
  return `create${moduleName}`;
}

/** `Model` → `createModelFromSourceSeed`: the source's own initial parameters for a seed. */
export function seededFactoryName(moduleName: string): string {
  return `create${moduleName}FromSourceSeed`;
}

/** The factory of the optimizer that stands for the source's TrainState. */
export const OPTIMIZER_FACTORY = "createOptimizer";
