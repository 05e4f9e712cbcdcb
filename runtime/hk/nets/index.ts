// hk.nets: MLP, ResNet (and ResNet18..200), MobileNetV1, VectorQuantizer(EMA).
export { MLP, type MLPOptions } from "./mlp.js";
export {
  ResNet,
  ResNet18,
  ResNet34,
  ResNet50,
  ResNet101,
  ResNet152,
  ResNet200,
  BlockV1,
  BlockV2,
  BlockGroup,
  RESNET_CONFIGS,
  type ResNetOptions,
  type ResNetNOptions,
  type BatchNormConfig,
  type InitialConvConfig,
  type LogitsConfig,
} from "./resnet.js";
export { MobileNetV1, MobileNetV1Block, type MobileNetV1Options } from "./mobilenetv1.js";
export { VectorQuantizer, VectorQuantizerEMA, type VQOutput, type VectorQuantizerEMAOptions } from "./vqvae.js";
