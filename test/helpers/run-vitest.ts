import { spawnSync } from "node:child_process";
import { join } from "node:path";

/** Runs vitest in `project` (its own node_modules/vitest) on `target`, as the user's CI would. */
export function runVitest(project: string, target: string, env: Record<string, string> = {}): { code: number; out: string } {
  const r = spawnSync(process.execPath, [join(project, "node_modules", "vitest", "vitest.mjs"), "run", target], {
    cwd: project,
    encoding: "utf8",
    env: { ...process.env, ...env, FORCE_COLOR: "0", NO_COLOR: "1" },
    timeout: 600_000,
  });
  return { code: r.status ?? -1, out: r.stdout + r.stderr };
}
