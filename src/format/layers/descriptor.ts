// What one layer type is, in one place: its options and their defaults, its output shape and parameter
// count, and the TensorFlow.js Layers class it builds to. The parser, the JSON schema (a test keeps it in
// step), shape inference, the plan, the summaries and the engine's model builder all read these entries,
// so adding a layer type is one new entry. Neutral: no vscode, Node, DOM or TensorFlow.js imports.
import type { LayerSpec, LayerType } from '../types';

export type LayerOption = Exclude<keyof LayerSpec, 'type'>;

/** What the data tells a layer whose options are derived (embedding's inputDim, repeatVector's n). */
export interface LayerContext {
  /** Token ids of a text input run 0 .. vocabularySize - 1. */
  vocabularySize?: number;
  /** Positions of a sequence target. */
  targetLength?: number;
}

/** A layer's output without the batch dimension, and its parameters. */
export interface LayerShapeOk {
  outputShape: number[];
  params: number;
  /** Of `params`, those training does not change (batch-norm moving mean and variance). */
  nonTrainable: number;
  formula?: string;
}

export interface LayerShapeIssue {
  issue: string;
  /** The option at fault, when one is. */
  option?: LayerOption;
}

/** Which random initializers the engine seeds for this layer. */
export type SeededInit = 'kernel' | 'recurrent' | 'embeddings';

export interface LayerDescriptor {
  /** One line for hovers, schema descriptions and messages. */
  doc: string;
  /** Accepted options, in the order they are listed to users (`name` last). */
  options: readonly LayerOption[];
  required: readonly LayerOption[];
  /** Every default of the TensorFlow.js Layers API for this type, spelled out (may depend on other options or the data). */
  defaults(l: LayerSpec, ctx: LayerContext): Partial<LayerSpec>;
  /** Output shape and parameters for a layer with its defaults filled in. */
  shape(l: LayerSpec, input: readonly number[]): LayerShapeOk | LayerShapeIssue;
  /** The TensorFlow.js Layers class, the `tf.layers` factory and its config (without name and initializers). */
  tfjs: {
    className: string;
    factory: string;
    config(l: LayerSpec): Record<string, unknown>;
    seeded?: readonly SeededInit[];
  };
  /** Made by the plan only (a derived layer), never written by users. */
  internal?: boolean;
}

export type DescriptorTable = Record<LayerType, LayerDescriptor>;

export const fmt = (n: number): string => n.toLocaleString('en-US');
export const shapeText = (s: readonly (number | null)[]): string => `[${s.map((d) => (d === null ? 'batch' : String(d))).join(', ')}]`;

export function pair(v: number | [number, number] | undefined, fallback: number): [number, number] {
  if (v === undefined) return [fallback, fallback];
  return typeof v === 'number' ? [v, v] : [v[0], v[1]];
}

export function describeInput(shape: readonly number[]): string {
  if (shape.length === 3) return `an image ${shapeText(shape)} (height, width, channels)`;
  if (shape.length === 2) return `a sequence ${shapeText(shape)} (steps, features)`;
  return `a flat vector of ${shape[0]} values`;
}

export function convLength(size: number, kernel: number, stride: number, padding: 'valid' | 'same'): number {
  return padding === 'same' ? Math.ceil(size / stride) : Math.floor((size - kernel) / stride) + 1;
}

export const ok = (outputShape: number[], params = 0, formula?: string, nonTrainable = 0): LayerShapeOk =>
  formula === undefined ? { outputShape, params, nonTrainable } : { outputShape, params, nonTrainable, formula };

export const FLATTEN_HINT = 'add { "type": "flatten" } (or a global pooling layer) before it';
