// The programs mutants are made from (the fixtures and test/fuzz/seeds), and
// the mutant for a (run seed, index): a pure function of the two, so any
// failure is reproduced from its numbers alone.
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { mutate, type Mutation } from "./mutate.js";
import { hash32, Rng } from "./rng.js";

export const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));

export interface SeedProgram {
  /** Path relative to the repository root (`fixtures/basic/linen_model.py`). */
  name: string;
  text: string;
}

export interface MutantCase {
  index: number;
  seedName: string;
  text: string;
  mutations: Mutation[];
}

/** Fixture programs and the fuzz seeds, sorted by path so indices are stable. */
export function loadSeeds(root = REPO_ROOT): SeedProgram[] {
  const files: string[] = [];
  const fixtures = join(root, "fixtures");
  for (const dir of readdirSync(fixtures, { withFileTypes: true })) {
    if (!dir.isDirectory()) continue;
    for (const f of readdirSync(join(fixtures, dir.name))) if (f.endsWith(".py")) files.push(join(fixtures, dir.name, f));
  }
  const seeds = join(root, "test", "fuzz", "seeds");
  for (const f of readdirSync(seeds)) if (f.endsWith(".py")) files.push(join(seeds, f));
  return files
    .map((f) => ({ name: relative(root, f), text: readFileSync(f, "utf8") }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Every non-blank line of every seed: material for `splice-line`. */
export function donorLines(seeds: readonly SeedProgram[]): string[] {
  return seeds.flatMap((s) => s.text.split("\n").filter((l) => l.trim() !== "" && !l.trim().startsWith("#")));
}

export class Corpus {
  readonly donors: string[];

  constructor(readonly seeds: readonly SeedProgram[]) {
    if (!seeds.length) throw new Error("fuzz corpus: no seed programs");
    this.donors = donorLines(seeds);
  }

  /** The `index`-th mutant of run `seed`. */
  mutant(seed: number, index: number): MutantCase {
    const rng = new Rng(hash32(seed, index));
    const program = this.seeds[rng.int(this.seeds.length)];
    const m = mutate(program.text, rng, { donors: this.donors });
    return { index, seedName: program.name, text: m.text, mutations: m.mutations };
  }
}
