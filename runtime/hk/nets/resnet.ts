// hk.nets.ResNet and ResNet18/34/50/101/152/200 with their BlockV1, BlockV2
// and BlockGroup (haiku/_src/nets/resnet.py), NHWC.

import { tf } from "../../tf.js";
import { Module } from "../../module.js";
import type { Rngs } from "../../rnglib.js";
import { type Initializer, zeros } from "../../nn/initializers.js";
import { Linear } from "../basic.js";
import { BatchNorm } from "../batch-norm.js";
import { Conv2D, type ConvNDPadding } from "../conv.js";
import { maxPool } from "../pool.js";
import { jnpMean } from "../stats.js";

/** `bn_config`: keyword arguments of every hk.BatchNorm. */
export interface BatchNormConfig {
  decayRate?: number;
  eps?: number;
  createScale?: boolean;
  createOffset?: boolean;
  scaleInit?: Initializer | null;
  offsetInit?: Initializer | null;
}

function batchNorm(channels: number, config: BatchNormConfig, rngs: Rngs, scaleInit?: Initializer): BatchNorm {
  const { decayRate, eps, createScale = true, createOffset = true, scaleInit: si = null, offsetInit = null } = config;
  if (decayRate === undefined) throw new Error("bn_config needs a decay_rate");
  return new BatchNorm([1, 1, 1, channels], createScale, createOffset, decayRate, { eps, scaleInit: scaleInit ?? si, offsetInit, rngs });
}

function conv(inC: number, outC: number, kernel: number, stride: number | number[], rngs: Rngs): Conv2D {
  return new Conv2D(inC, outC, kernel, { stride, withBias: false, padding: "SAME", rngs });
}

export interface BlockOptions {
  rngs: Rngs;
}

/**
 * ResNet.BlockV1: [shortcut_conv, shortcut_batchnorm,] conv_0/batchnorm_0,
 * conv_1/batchnorm_1[, conv_2/batchnorm_2 (scale init zeros)], relu after all
 * but the last, relu(out + shortcut). Keys in call order: shortcut_conv,
 * shortcut_batchnorm, conv_0, batchnorm_0, ...
 */
export class BlockV1 extends Module {
  declare readonly shortcut_conv?: Conv2D;
  declare readonly shortcut_batchnorm?: BatchNorm;
  readonly conv_0: Conv2D;
  readonly batchnorm_0: BatchNorm;
  readonly conv_1: Conv2D;
  readonly batchnorm_1: BatchNorm;
  declare readonly conv_2?: Conv2D;
  declare readonly batchnorm_2?: BatchNorm;
  readonly useProjection: boolean;
  readonly bottleneck: boolean;

  constructor(
    inputChannels: number,
    channels: number,
    stride: number | number[],
    useProjection: boolean,
    bnConfig: BatchNormConfig,
    bottleneck: boolean,
    { rngs }: BlockOptions,
  ) {
    super();
    const config = { decayRate: 0.999, ...bnConfig };
    this.useProjection = useProjection;
    this.bottleneck = bottleneck;
    const attrs: Record<string, Module> = {};
    if (useProjection) {
      attrs.shortcut_conv = conv(inputChannels, channels, 1, stride, rngs);
      attrs.shortcut_batchnorm = batchNorm(channels, config, rngs);
    }
    const mid = bottleneck ? channels / 4 : channels;
    this.conv_0 = conv(inputChannels, mid, bottleneck ? 1 : 3, bottleneck ? 1 : stride, rngs);
    this.batchnorm_0 = batchNorm(mid, config, rngs);
    this.conv_1 = conv(mid, mid, 3, bottleneck ? stride : 1, rngs);
    this.batchnorm_1 = batchNorm(mid, config, rngs);
    if (bottleneck) {
      attrs.conv_2 = conv(mid, channels, 1, 1, rngs);
      attrs.batchnorm_2 = batchNorm(channels, config, rngs, zeros);
    }
    Object.assign(this, attrs);
  }

  private get layers(): [Conv2D, BatchNorm][] {
    const out: [Conv2D, BatchNorm][] = [
      [this.conv_0, this.batchnorm_0],
      [this.conv_1, this.batchnorm_1],
    ];
    if (this.bottleneck) out.push([this.conv_2!, this.batchnorm_2!]);
    return out;
  }

  call(inputs: tf.Tensor, isTraining?: boolean | null, testLocalStats = false): tf.Tensor {
    return tf.tidy(() => {
      let shortcut = inputs;
      if (this.useProjection) shortcut = this.shortcut_batchnorm!.call(this.shortcut_conv!.call(shortcut), isTraining, testLocalStats);
      let out = inputs;
      const layers = this.layers;
      layers.forEach(([c, bn], i) => {
        out = bn.call(c.call(out), isTraining, testLocalStats);
        if (i < layers.length - 1) out = tf.relu(out);
      });
      return tf.relu(tf.add(out, shortcut));
    });
  }
}

/**
 * ResNet.BlockV2 (pre-activation): batchnorm_i, relu, conv_i for each layer;
 * shortcut_conv on the first activation. Keys in call order: batchnorm_0,
 * shortcut_conv, conv_0, batchnorm_1, conv_1, ...
 */
export class BlockV2 extends Module {
  declare readonly shortcut_conv?: Conv2D;
  readonly batchnorm_0: BatchNorm;
  readonly conv_0: Conv2D;
  readonly batchnorm_1: BatchNorm;
  readonly conv_1: Conv2D;
  declare readonly batchnorm_2?: BatchNorm;
  declare readonly conv_2?: Conv2D;
  readonly useProjection: boolean;
  readonly bottleneck: boolean;

  constructor(
    inputChannels: number,
    channels: number,
    stride: number | number[],
    useProjection: boolean,
    bnConfig: BatchNormConfig,
    bottleneck: boolean,
    { rngs }: BlockOptions,
  ) {
    super();
    this.useProjection = useProjection;
    this.bottleneck = bottleneck;
    const mid = bottleneck ? channels / 4 : channels;
    this.batchnorm_0 = batchNorm(inputChannels, bnConfig, rngs);
    if (useProjection) Object.assign(this, { shortcut_conv: conv(inputChannels, channels, 1, stride, rngs) });
    this.conv_0 = conv(inputChannels, mid, bottleneck ? 1 : 3, bottleneck ? 1 : stride, rngs);
    this.batchnorm_1 = batchNorm(mid, bnConfig, rngs);
    this.conv_1 = conv(mid, mid, 3, bottleneck ? stride : 1, rngs);
    if (bottleneck) {
      Object.assign(this, { batchnorm_2: batchNorm(mid, bnConfig, rngs) });
      Object.assign(this, { conv_2: conv(mid, channels, 1, 1, rngs) });
    }
  }

  call(inputs: tf.Tensor, isTraining?: boolean | null, testLocalStats = false): tf.Tensor {
    return tf.tidy(() => {
      const layers: [Conv2D, BatchNorm][] = [
        [this.conv_0, this.batchnorm_0],
        [this.conv_1, this.batchnorm_1],
      ];
      if (this.bottleneck) layers.push([this.conv_2!, this.batchnorm_2!]);
      let x = inputs;
      let shortcut = inputs;
      layers.forEach(([c, bn], i) => {
        x = tf.relu(bn.call(x, isTraining, testLocalStats));
        if (i === 0 && this.useProjection) shortcut = this.shortcut_conv!.call(x);
        x = c.call(x);
      });
      return tf.add(x, shortcut);
    });
  }
}

/** ResNet.BlockGroup: `block_0`, `block_1`, ... (the first with the stride and projection). */
export class BlockGroup extends Module {
  [block: `block_${number}`]: BlockV1 | BlockV2;
  readonly numBlocks: number;

  constructor(
    inputChannels: number,
    channels: number,
    numBlocks: number,
    stride: number | number[],
    bnConfig: BatchNormConfig,
    resnetV2: boolean,
    bottleneck: boolean,
    useProjection: boolean,
    { rngs }: BlockOptions,
  ) {
    super();
    this.numBlocks = numBlocks;
    const Block = resnetV2 ? BlockV2 : BlockV1;
    for (let i = 0; i < numBlocks; i++) {
      this[`block_${i}`] = new Block(i === 0 ? inputChannels : channels, channels, i ? 1 : stride, i === 0 && useProjection, bnConfig, bottleneck, {
        rngs,
      });
    }
  }

  call(inputs: tf.Tensor, isTraining?: boolean | null, testLocalStats = false): tf.Tensor {
    return tf.tidy(() => {
      let out = inputs;
      for (let i = 0; i < this.numBlocks; i++) out = this[`block_${i}`].call(out, isTraining, testLocalStats);
      return out;
    });
  }
}

/** The initial Conv2D's keyword arguments (Haiku's initial_conv_config). */
export interface InitialConvConfig {
  outputChannels?: number;
  kernelShape?: number | number[];
  stride?: number | number[];
  withBias?: boolean;
  padding?: ConvNDPadding;
  wInit?: Initializer | null;
  bInit?: Initializer | null;
}

/** The logits Linear's keyword arguments (Haiku's logits_config; w_init defaults to zeros). */
export interface LogitsConfig {
  wInit?: Initializer | null;
  bInit?: Initializer | null;
  withBias?: boolean;
}

export interface ResNetOptions {
  bnConfig?: BatchNormConfig;
  resnetV2?: boolean;
  bottleneck?: boolean;
  channelsPerGroup?: number[];
  useProjection?: boolean[];
  logitsConfig?: LogitsConfig;
  initialConvConfig?: InitialConvConfig;
  strides?: number[];
  rngs: Rngs;
}

/** ResNet.CONFIGS. */
export const RESNET_CONFIGS: Record<18 | 34 | 50 | 101 | 152 | 200, { blocksPerGroup: number[]; bottleneck: boolean; channelsPerGroup: number[]; useProjection: boolean[] }> = {
  18: { blocksPerGroup: [2, 2, 2, 2], bottleneck: false, channelsPerGroup: [64, 128, 256, 512], useProjection: [false, true, true, true] },
  34: { blocksPerGroup: [3, 4, 6, 3], bottleneck: false, channelsPerGroup: [64, 128, 256, 512], useProjection: [false, true, true, true] },
  50: { blocksPerGroup: [3, 4, 6, 3], bottleneck: true, channelsPerGroup: [256, 512, 1024, 2048], useProjection: [true, true, true, true] },
  101: { blocksPerGroup: [3, 4, 23, 3], bottleneck: true, channelsPerGroup: [256, 512, 1024, 2048], useProjection: [true, true, true, true] },
  152: { blocksPerGroup: [3, 8, 36, 3], bottleneck: true, channelsPerGroup: [256, 512, 1024, 2048], useProjection: [true, true, true, true] },
  200: { blocksPerGroup: [3, 24, 36, 3], bottleneck: true, channelsPerGroup: [256, 512, 1024, 2048], useProjection: [true, true, true, true] },
};

function checkLength(value: readonly unknown[], name: string): void {
  if (value.length !== 4) throw new Error(`\`${name}\` must be of length 4 not ${value.length}`);
}

/**
 * hk.nets.ResNet(blocks_per_group, num_classes) for NHWC images of
 * `inputChannels` channels: initial_conv (7x7/2), initial_batchnorm + relu
 * (v1), 3x3/2 max pool, block_group_0..3, final_batchnorm + relu (v2), mean
 * over H and W, logits (w_init zeros). Keys in call order (every conv's w;
 * batch norms and zero-initialized logits draw none by default).
 * call(x, isTraining?, testLocalStats?); isTraining defaults to the mode
 * train()/eval() set.
 */
export class ResNet extends Module {
  readonly initial_conv: Conv2D;
  declare readonly initial_batchnorm?: BatchNorm;
  readonly block_group_0: BlockGroup;
  readonly block_group_1: BlockGroup;
  readonly block_group_2: BlockGroup;
  readonly block_group_3: BlockGroup;
  declare readonly final_batchnorm?: BatchNorm;
  readonly logits: Linear;
  readonly resnetV2: boolean;

  constructor(inputChannels: number, blocksPerGroup: number[], numClasses: number, options: ResNetOptions) {
    super();
    const {
      resnetV2 = false,
      bottleneck = true,
      channelsPerGroup = [256, 512, 1024, 2048],
      useProjection = [true, true, true, true],
      strides = [1, 2, 2, 2],
      rngs,
    } = options;
    this.resnetV2 = resnetV2;
    const bnConfig: BatchNormConfig = { decayRate: 0.9, eps: 1e-5, createScale: true, createOffset: true, ...options.bnConfig };
    checkLength(blocksPerGroup, "blocks_per_group");
    checkLength(channelsPerGroup, "channels_per_group");
    checkLength(strides, "strides");
    const ic = { outputChannels: 64, kernelShape: 7 as number | number[], stride: 2 as number | number[], withBias: false, padding: "SAME" as ConvNDPadding, ...options.initialConvConfig };
    this.initial_conv = new Conv2D(inputChannels, ic.outputChannels, ic.kernelShape, {
      stride: ic.stride,
      withBias: ic.withBias,
      padding: ic.padding,
      wInit: ic.wInit,
      bInit: ic.bInit,
      rngs,
    });
    if (!resnetV2) Object.assign(this, { initial_batchnorm: batchNorm(ic.outputChannels, bnConfig, rngs) });
    let channels = ic.outputChannels;
    const groups = strides.map((stride, i) => {
      const g = new BlockGroup(channels, channelsPerGroup[i], blocksPerGroup[i], stride, bnConfig, resnetV2, bottleneck, useProjection[i], { rngs });
      channels = channelsPerGroup[i];
      return g;
    });
    [this.block_group_0, this.block_group_1, this.block_group_2, this.block_group_3] = groups;
    if (resnetV2) Object.assign(this, { final_batchnorm: batchNorm(channels, bnConfig, rngs) });
    const lc = options.logitsConfig ?? {};
    this.logits = new Linear(channels, numClasses, { wInit: lc.wInit ?? zeros, bInit: lc.bInit, withBias: lc.withBias, rngs });
  }

  /** ResNet's batch norms follow train()/eval() (the initial one tells). */
  private modeIsTraining(): boolean {
    const bn = this.initial_batchnorm ?? this.final_batchnorm!;
    return !bn.useRunningAverage;
  }

  call(inputs: tf.Tensor, isTraining?: boolean | null, testLocalStats = false): tf.Tensor {
    const training = isTraining ?? this.modeIsTraining();
    return tf.tidy(() => {
      let out = this.initial_conv.call(inputs);
      if (!this.resnetV2) out = tf.relu(this.initial_batchnorm!.call(out, training, testLocalStats));
      out = maxPool(out, [1, 3, 3, 1], [1, 2, 2, 1], "SAME");
      for (const g of [this.block_group_0, this.block_group_1, this.block_group_2, this.block_group_3]) out = g.call(out, training, testLocalStats);
      if (this.resnetV2) out = tf.relu(this.final_batchnorm!.call(out, training, testLocalStats));
      return this.logits.call(jnpMean(out, [1, 2]));
    });
  }
}

export type ResNetNOptions = Omit<ResNetOptions, "bottleneck" | "channelsPerGroup" | "useProjection">;

function presetOptions(depth: keyof typeof RESNET_CONFIGS, options: ResNetNOptions): [number[], ResNetOptions] {
  const c = RESNET_CONFIGS[depth];
  return [c.blocksPerGroup, { ...options, bottleneck: c.bottleneck, channelsPerGroup: c.channelsPerGroup, useProjection: c.useProjection }];
}

/** hk.nets.ResNet18: ResNet with ResNet.CONFIGS[18]. */
export class ResNet18 extends ResNet {
  constructor(inputChannels: number, numClasses: number, options: ResNetNOptions) {
    const [blocks, opts] = presetOptions(18, options);
    super(inputChannels, blocks, numClasses, opts);
  }
}

/** hk.nets.ResNet34. */
export class ResNet34 extends ResNet {
  constructor(inputChannels: number, numClasses: number, options: ResNetNOptions) {
    const [blocks, opts] = presetOptions(34, options);
    super(inputChannels, blocks, numClasses, opts);
  }
}

/** hk.nets.ResNet50. */
export class ResNet50 extends ResNet {
  constructor(inputChannels: number, numClasses: number, options: ResNetNOptions) {
    const [blocks, opts] = presetOptions(50, options);
    super(inputChannels, blocks, numClasses, opts);
  }
}

/** hk.nets.ResNet101. */
export class ResNet101 extends ResNet {
  constructor(inputChannels: number, numClasses: number, options: ResNetNOptions) {
    const [blocks, opts] = presetOptions(101, options);
    super(inputChannels, blocks, numClasses, opts);
  }
}

/** hk.nets.ResNet152. */
export class ResNet152 extends ResNet {
  constructor(inputChannels: number, numClasses: number, options: ResNetNOptions) {
    const [blocks, opts] = presetOptions(152, options);
    super(inputChannels, blocks, numClasses, opts);
  }
}

/** hk.nets.ResNet200. */
export class ResNet200 extends ResNet {
  constructor(inputChannels: number, numClasses: number, options: ResNetNOptions) {
    const [blocks, opts] = presetOptions(200, options);
    super(inputChannels, blocks, numClasses, opts);
  }
}
