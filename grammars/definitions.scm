; Top-level definitions: module classes with their bases, functions, and
; assignments (where transforms, sample inputs and model instances are bound).

(module
  (class_definition
    name: (identifier) @class.name
    superclasses: (argument_list) @class.bases
    body: (block) @class.body) @class)

(module
  (decorated_definition
    (class_definition
      name: (identifier) @class.name
      superclasses: (argument_list) @class.bases
      body: (block) @class.body) @class))

(module
  (function_definition
    name: (identifier) @function.name) @function)

; `@jax.jit def train_step(...)`
(module
  (decorated_definition
    (function_definition
      name: (identifier) @function.name) @function))

(module
  (expression_statement
    (assignment
      left: (_) @assign.target
      right: (_) @assign.value)) @assign)
