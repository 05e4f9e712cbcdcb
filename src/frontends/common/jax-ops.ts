// JAX spellings of the neutral ops; shared by every frontend, since both Haiku
// and Linen code call jax.nn and jax.numpy directly.
export const JAX_OPS: Record<string, string> = {
  "jax.nn.relu": "relu",
  "jax.nn.gelu": "gelu",
  "jax.nn.sigmoid": "sigmoid",
  "jax.nn.silu": "silu",
  "jax.nn.swish": "silu",
  "jax.nn.elu": "elu",
  "jax.nn.softmax": "softmax",
  "jax.nn.log_softmax": "logSoftmax",
  "jax.numpy.tanh": "tanh",
  "jax.nn.tanh": "tanh",
  "jax.numpy.concatenate": "concatenate",
  "jax.numpy.swapaxes": "swapaxes",
  "jax.numpy.mean": "mean",
  "jax.numpy.zeros": "zeros",
  "jax.numpy.ones": "ones",
};
