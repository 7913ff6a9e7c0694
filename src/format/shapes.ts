// Shape inference and parameter counts for a stack of layers, without TensorFlow: each layer type's rule
// is in its descriptor (layers/). The numbers are TensorFlow.js Layers' own (tests check them against
// known Keras counts and against built models).
import { describeInput, fmt, layerShape, resolveLayer, type LayerContext, type LayerOption } from './layers';
import type { LayerSpec } from './types';

export { shapeText } from './layers';

export interface LayerShape {
  index: number;
  /** The layer with every default filled in. */
  spec: LayerSpec;
  /** Without the batch dimension. */
  outputShape: number[];
  params: number;
  /** Of `params`, those training does not change (batch-norm moving mean and variance). */
  nonTrainable: number;
  formula?: string;
}

export interface ShapeIssue {
  /** Index into the layer list; -1 for the whole model (e.g. before the output layer). */
  index: number;
  /** The option at fault, when one is. */
  option?: LayerOption;
  message: string;
}

export interface ShapeResult {
  layers: LayerShape[];
  /** Shape after the last layer that could be computed; undefined after an issue. */
  outputShape?: number[];
  issue?: ShapeIssue;
}

/** Fills in each layer's defaults and follows the shape through the stack; stops at the first issue. */
export function inferShapes(inputShape: readonly number[], layers: readonly LayerSpec[], ctx: LayerContext = {}, firstIndex = 0): ShapeResult {
  const out: LayerShape[] = [];
  let shape: number[] = [...inputShape];
  for (let i = 0; i < layers.length; i++) {
    const spec = resolveLayer(layers[i], ctx);
    const r = layerShape(spec, shape);
    const index = firstIndex + i;
    if ('issue' in r) return { layers: out, issue: r.option ? { index, option: r.option, message: r.issue } : { index, message: r.issue } };
    const s: LayerShape = { index, spec, outputShape: r.outputShape, params: r.params, nonTrainable: r.nonTrainable };
    if (r.formula !== undefined) s.formula = r.formula;
    out.push(s);
    shape = r.outputShape;
  }
  return { layers: out, outputShape: shape };
}

/** Why the derived output layer (dense) cannot follow this shape, if it cannot. */
export function outputIssue(shape: readonly number[]): string | undefined {
  if (shape.length === 1) return undefined;
  return `the output layer needs a flat vector, but the last hidden layer gives ${describeInput(shape)}: add { "type": "flatten" } or a global pooling layer at the end`;
}

export function denseParams(inputs: number, units: number): { params: number; formula: string } {
  const params = inputs * units + units;
  return { params, formula: `${fmt(inputs)} x ${fmt(units)} + ${fmt(units)} = ${fmt(params)}` };
}
