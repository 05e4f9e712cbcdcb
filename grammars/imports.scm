; Imports, so that frontends can resolve local names (`hk`, `nn`, `jnp`, `Dense`)
; to the qualified names they stand for (`haiku`, `flax.linen`, `jax.numpy`).

(import_statement
  name: (dotted_name) @module) @import

(import_statement
  name: (aliased_import
    name: (dotted_name) @module
    alias: (identifier) @alias)) @import

(import_from_statement
  module_name: (dotted_name) @from
  name: (dotted_name) @name) @import

(import_from_statement
  module_name: (dotted_name) @from
  name: (aliased_import
    name: (dotted_name) @name
    alias: (identifier) @alias)) @import
