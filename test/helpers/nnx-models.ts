// Modules shared by the runtime tests; their Python twins are written out in each test.
import { nnx } from "../../runtime/index.js";

export class Counter extends nnx.Variable {}

/** Linear → BatchNorm → relu → Dropout, as nnx's Python twin in the tests. */
export class Block extends nnx.Module {
  readonly linear: nnx.Linear;
  readonly bn: nnx.BatchNorm;
  readonly dropout: nnx.Dropout;
  constructor(din: number, dout: number, rngs: nnx.Rngs) {
    super();
    this.linear = new nnx.Linear(din, dout, { rngs });
    this.bn = new nnx.BatchNorm(dout, { rngs });
    this.dropout = new nnx.Dropout(0.5, { rngs });
  }
  call(x: nnx.Array): nnx.Array {
    return this.dropout.call(nnx.relu(this.bn.call(this.linear.call(x))));
  }
}
