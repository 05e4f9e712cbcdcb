// Runs runtime/backend.ts (transpiled to plain JS by the test, since this Node has no
// TypeScript loader) in a fresh process, so each run makes its own backend choice.
// Usage: node child.mjs <backend.mjs> [preferred-backend]
// Prints one JSON line on stdout; the backend announcement goes to stderr as in real use.
import { pathToFileURL } from "node:url";
import * as tf from "@tensorflow/tfjs-core";

const [modulePath, preferred] = process.argv.slice(2);
const backend = await import(pathToFileURL(modulePath).href);
if (preferred) backend.setPreferredBackend(preferred);
// Concurrent and repeated calls must share one choice (and one stderr line).
const names = await Promise.all([backend.ensureBackend(), backend.ensureBackend()]);
names.push(await backend.ensureBackend());
const round = Array.from(tf.round(tf.tensor1d([-3, 0, 7, 2147483647], "int32")).dataSync());
console.log(JSON.stringify({ names, active: tf.getBackend(), round, info: backend.backendInfo() }));
