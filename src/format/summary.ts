// A Keras-like model summary, read from the plan (plan.ts): derived input layer, hidden layers, derived
// output layer, with output shapes and parameter counts. The labels of the derived layers come from the
// data description.
import type { DataDescription } from '../data/columns';
import type { LayerSummary } from '../protocol/trainer';
import type { Plan, PlannedLayer } from './plan';

export { countParams } from '../common/params';

function inputLabels(d: DataDescription): string[] {
  if (d.inputShape.length === 3) {
    const [h, w, c] = d.inputShape;
    return [`${w}x${h} image, ${c} ${c === 1 ? 'channel' : 'channels'}`];
  }
  return [...d.inputNames];
}

function outputLabels(d: DataDescription, units: number): string[] {
  const names = d.classNames;
  if (d.task === 'classification' && names) {
    return units === 1 && names.length === 2 ? [`${names[1]} (vs ${names[0]})`] : [...names];
  }
  if (d.task === 'autoencoder') return d.inputShape.length === 3 ? inputLabels(d).map((x) => `${x} (reconstructed)`) : [...d.inputNames];
  return [...d.target];
}

function summaryOf(l: PlannedLayer, d: DataDescription): LayerSummary {
  const s: LayerSummary = {
    name: l.name,
    type: l.type,
    outputShape: [null, ...l.outputShape],
    params: l.params,
    trainable: l.trainable,
  };
  if (l.nonTrainableParams > 0) s.nonTrainableParams = l.nonTrainableParams;
  if (l.formula !== undefined) s.formula = l.formula;
  if (l.derived) s.derived = l.derived;
  if (l.code) s.code = true;
  if (l.derived === 'input') s.units = l.outputShape.reduce((a, b) => a * b, 1);
  else if (l.units !== undefined) s.units = l.units;
  else if (l.filters !== undefined) s.units = l.filters;
  if (l.activation !== undefined) s.activation = l.activation;
  if (l.derived === 'input') s.labels = inputLabels(d);
  else if (l.derived === 'output') s.labels = outputLabels(d, l.units ?? 1);
  else if (l.fromBase) s.labels = [l.trainable ? 'from base model' : 'from base model, frozen'];
  return s;
}

/** The layer table of a plan, as the CLI summary, the editor's summary and the dashboard show it. */
export function summarizePlan(plan: Plan, description: DataDescription): LayerSummary[] {
  return plan.layers.map((l) => summaryOf(l, description));
}
