// hk.nets.MobileNetV1 and its block (haiku/_src/nets/mobilenetv1.py), NHWC.

import { tf } from "../../tf.js";
import { Module } from "../../module.js";
import type { Rngs } from "../../rnglib.js";
import { Linear } from "../basic.js";
import { BatchNorm } from "../batch-norm.js";
import { Conv2D } from "../conv.js";
import { DepthwiseConv2D } from "../depthwise-conv.js";
import { jnpMean } from "../stats.js";

function bn(channels: number, rngs: Rngs): BatchNorm {
  return new BatchNorm([1, 1, 1, channels], true, true, 0.999, { rngs });
}

/**
 * MobileNetV1Block(channels, stride, use_bn): depthwise_conv (3x3, padding 1,
 * stride), batch_norm, relu, pointwise_conv (1x1), batch_norm_1, relu (biases
 * instead of batch norms when !useBn). Keys: depthwise_conv, pointwise_conv.
 */
export class MobileNetV1Block extends Module {
  readonly depthwise_conv: DepthwiseConv2D;
  declare readonly batch_norm?: BatchNorm;
  readonly pointwise_conv: Conv2D;
  declare readonly batch_norm_1?: BatchNorm;
  readonly useBn: boolean;

  constructor(inputChannels: number, channels: number, stride: number, useBn: boolean, { rngs }: { rngs: Rngs }) {
    super();
    this.useBn = useBn;
    this.depthwise_conv = new DepthwiseConv2D(inputChannels, 1, 3, { stride, padding: [[1, 1], [1, 1]], withBias: !useBn, rngs });
    if (useBn) Object.assign(this, { batch_norm: bn(inputChannels, rngs) });
    this.pointwise_conv = new Conv2D(inputChannels, channels, [1, 1], { stride: 1, padding: "VALID", withBias: !useBn, rngs });
    if (useBn) Object.assign(this, { batch_norm_1: bn(channels, rngs) });
  }

  call(inputs: tf.Tensor, isTraining?: boolean | null): tf.Tensor {
    return tf.tidy(() => {
      let out = this.depthwise_conv.call(inputs);
      if (this.useBn) out = this.batch_norm!.call(out, isTraining);
      out = tf.relu(out);
      out = this.pointwise_conv.call(out);
      if (this.useBn) out = this.batch_norm_1!.call(out, isTraining);
      return tf.relu(out);
    });
  }
}

export interface MobileNetV1Options {
  strides?: number[];
  channels?: number[];
  numClasses?: number;
  useBn?: boolean;
  rngs: Rngs;
}

/**
 * hk.nets.MobileNetV1 for NHWC images of `inputChannels` channels: conv2_d
 * (3x3/2, VALID, 32), batch_norm, relu, mobile_net_v1_block,
 * mobile_net_v1_block_1, ..., mean over H and W, logits. Keys: conv2_d, then
 * each block's depthwise and pointwise convs, then logits.
 */
export class MobileNetV1 extends Module {
  [block: `mobile_net_v1_block${string}`]: MobileNetV1Block;
  readonly conv2_d: Conv2D;
  declare readonly batch_norm?: BatchNorm;
  readonly logits: Linear;
  readonly numBlocks: number;
  readonly useBn: boolean;

  constructor(inputChannels: number, options: MobileNetV1Options) {
    super();
    const {
      strides = [1, 2, 1, 2, 1, 2, 1, 1, 1, 1, 1, 2, 1],
      channels = [64, 128, 128, 256, 256, 512, 512, 512, 512, 512, 512, 1024, 1024],
      numClasses = 1000,
      useBn = true,
      rngs,
    } = options;
    if (strides.length !== channels.length) throw new Error("`strides` and `channels` must have the same length.");
    this.useBn = useBn;
    this.numBlocks = strides.length;
    this.conv2_d = new Conv2D(inputChannels, 32, [3, 3], { stride: 2, padding: "VALID", withBias: !useBn, rngs });
    if (useBn) Object.assign(this, { batch_norm: bn(32, rngs) });
    let c = 32;
    strides.forEach((stride, i) => {
      this[MobileNetV1.blockName(i)] = new MobileNetV1Block(c, channels[i], stride, useBn, { rngs });
      c = channels[i];
    });
    this.logits = new Linear(c, numClasses, { rngs });
  }

  /** Haiku's names: mobile_net_v1_block, mobile_net_v1_block_1, ... */
  static blockName(i: number): `mobile_net_v1_block${string}` {
    return i === 0 ? "mobile_net_v1_block" : `mobile_net_v1_block_${i}`;
  }

  call(inputs: tf.Tensor, isTraining?: boolean | null): tf.Tensor {
    return tf.tidy(() => {
      let out = this.conv2_d.call(inputs);
      if (this.useBn) out = this.batch_norm!.call(out, isTraining);
      out = tf.relu(out);
      for (let i = 0; i < this.numBlocks; i++) out = this[MobileNetV1.blockName(i)].call(out, isTraining);
      out = jnpMean(out, [1, 2]);
      return this.logits.call(tf.reshape(out, [out.shape[0], -1]));
    });
  }
}
