/** `BatchNorm` → `batch_norm`, as Haiku names modules and as NNX attributes read. */
export function snakeCase(name: string): string {
  return name
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1_$2")
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .toLowerCase();
}

/** Hands out unique names within one scope: `linear`, `linear_1`, `linear_2`, … */
export class UniqueNames {
  private readonly used = new Set<string>();

  take(base: string): string {
    let name = base;
    for (let k = 1; this.used.has(name); k++) name = `${base}_${k}`;
    this.used.add(name);
    return name;
  }

  reserve(name: string): void {
    this.used.add(name);
  }
}
