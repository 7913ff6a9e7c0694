// The TensorFlow.js namespace the engine computes with. It is handed around rather than imported, because
// @tensorflow/tfjs-node carries its own copy of tfjs-core: with a native backend the whole run must use that copy.
export type TF = typeof import('@tensorflow/tfjs-core') & typeof import('@tensorflow/tfjs-layers');
