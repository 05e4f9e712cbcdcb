// Preloaded with `node --require` to simulate a machine where tfjs-node's native
// binding cannot load, without touching the shared node_modules.
const Module = require("node:module");
const load = Module._load;
Module._load = function (request, ...rest) {
  if (request === "@tensorflow/tfjs-node") throw new Error("simulated: tfjs_binding.node missing");
  return load.call(this, request, ...rest);
};
