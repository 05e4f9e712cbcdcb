// A separate project that depends on nnxport as a package, the way a user's
// does: `npm pack` of this checkout, then `npm ci` of a project that lists the
// tarball and vitest, offline, from npm's local cache. Its lockfile is the part
// of this checkout's lockfile that the two need (same versions, same integrity
// hashes), so nothing is fetched. Install scripts are skipped (tfjs-node's would
// download libtensorflow): the runtime then uses its wasm or pure-JS backend.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

interface LockEntry {
  version?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  dev?: boolean;
  [k: string]: unknown;
}

/** Where node would find `name` from the package at lock path `from` ("" is the project). */
function resolveIn(packages: Record<string, LockEntry>, from: string, name: string): string | undefined {
  let base = from;
  for (;;) {
    const path = `${base ? base + "/" : ""}node_modules/${name}`;
    if (packages[path]) return path;
    if (!base) return undefined;
    base = base.slice(0, base.lastIndexOf("node_modules/")).replace(/\/$/, "");
  }
}

/** Builds and installs the project in `dir`; returns the tarball's name. */
export function installPackedProject(dir: string, devDependencies: Record<string, string>): string {
  const tarball = execFileSync("npm", ["pack", "--silent", "--pack-destination", dir], { cwd: ROOT, encoding: "utf8" }).trim().split("\n").pop()!;
  const own = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
  const lock = JSON.parse(readFileSync(join(ROOT, "package-lock.json"), "utf8")) as { packages: Record<string, LockEntry> };
  const packages: Record<string, LockEntry> = {};
  const visit = (path: string) => {
    if (packages[path]) return;
    const { dev: _dev, ...entry } = lock.packages[path];
    // Where the tarball comes from, so that npm needs no package metadata: its cache holds it by integrity.
    const name = path.slice(path.lastIndexOf("node_modules/") + 13);
    entry.resolved ??= `https://registry.npmjs.org/${name}/-/${name.split("/").pop()}-${entry.version}.tgz`;
    packages[path] = entry;
    const deps = { ...entry.dependencies, ...entry.optionalDependencies, ...entry.peerDependencies };
    for (const name of Object.keys(deps)) {
      const at = resolveIn(lock.packages, path, name);
      if (at) visit(at);
    }
  };
  // In this checkout nnxport is the root, so its dependencies sit at the top level: where the project's npm puts them too.
  for (const name of [...Object.keys(own.dependencies), ...Object.keys(devDependencies)]) visit(resolveIn(lock.packages, "", name)!);
  const spec = `file:${tarball}`;
  const integrity = `sha512-${createHash("sha512").update(readFileSync(join(dir, tarball))).digest("base64")}`;
  const project = { name: "my-app", version: "1.0.0", private: true, type: "module", dependencies: { nnxport: spec }, devDependencies };
  const nnxport = { version: own.version, resolved: spec, integrity, license: own.license, dependencies: own.dependencies, bin: own.bin, engines: own.engines };
  const projectLock = { name: project.name, version: project.version, lockfileVersion: 3, requires: true, packages: { "": { name: project.name, version: project.version, dependencies: project.dependencies, devDependencies }, "node_modules/nnxport": nnxport, ...packages } };
  writeFileSync(join(dir, "package.json"), JSON.stringify(project, null, 2));
  writeFileSync(join(dir, "package-lock.json"), JSON.stringify(projectLock, null, 2));
  execFileSync("npm", ["ci", "--offline", "--ignore-scripts", "--no-audit", "--no-fund"], { cwd: dir, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 600_000 });
  return tarball;
}
