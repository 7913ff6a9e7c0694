// What the training curves say, in the words of a deep-learning course: overfitting, underfitting, a
// learning rate too high (diverging or oscillating loss) or too low (a loss that barely moves), a network
// that answers one class only, dead ReLU units, saturated sigmoids. Pure functions of numbers (no Node,
// DOM, vscode or TensorFlow.js): the trainer calls them after every epoch (live) and at the end, and the
// run folder keeps the result (`insights` in run.json). Each insight names the numbers it rests on.
import { baselineValue, fmt, pct, type Baseline } from './baseline';
import type { Task } from '../format/types';

export type InsightKind =
  | 'overfitting'
  | 'underfitting'
  | 'diverging'
  | 'oscillating'
  | 'learningRateTooLow'
  | 'predictsOneClass'
  | 'deadRelu'
  | 'saturatedSigmoid';

/** A change to the spec that addresses an insight (the editor offers it as a quick fix). */
export type InsightFix =
  | { kind: 'earlyStopping'; patience: number }
  | { kind: 'setEpochs'; epochs: number }
  | { kind: 'setLearningRate'; learningRate: number };

export interface Insight {
  kind: InsightKind;
  /** The epoch it starts at or refers to (overfitting: the best epoch). */
  epoch?: number;
  message: string;
  /** The part of the spec it concerns: the editor puts it on that line. */
  about: 'epochs' | 'learningRate' | 'layer' | 'layers';
  /** Index in `model.layers` (the hidden layers as written), for `about: "layer"`. */
  layer?: number;
  fixes?: InsightFix[];
  /** The numbers it rests on, by name. */
  numbers: Record<string, number>;
}

/** One epoch's line of metrics.jsonl. */
export interface CurvePoint {
  epoch: number;
  loss: number;
  [metric: string]: number;
}

/** Activity of one hidden layer on a sample of rows, measured after training. */
export interface LayerActivity {
  /** Index in `model.layers` as written. */
  layer: number;
  type: string;
  activation: 'relu' | 'sigmoid' | 'tanh';
  units: number;
  rows: number;
  /** Units whose output was 0 for every sampled row (relu). */
  dead: number;
  /** Share of outputs within SATURATION of the activation's limits (sigmoid, tanh). */
  saturated: number;
}

export interface CoachInput {
  task: Task;
  history: readonly CurvePoint[];
  /** The epochs planned (the spec's, or --epochs). */
  epochs: number;
  learningRate?: number;
  baseline?: Baseline;
  /** The spec's early stopping, if any. */
  earlyStopping?: { restoreBestWeights?: boolean };
  /** How many validation rows each class was predicted for (classification, at the end). */
  predicted?: { classNames: readonly string[]; counts: readonly number[] };
  activity?: readonly LayerActivity[];
  /** True while training: only what the curves so far already show for sure. */
  live?: boolean;
}

export const SATURATION = 0.02;
/** Thresholds, in one place: each is a share or a ratio of the run's own numbers. */
const T = {
  minEpochs: 5,
  overfitRise: 0.1,
  overfitAfter: 3,
  divergeRatio: 1.5,
  divergeLost: 0.5,
  oscillateJump: 0.05,
  oscillateShare: 0.3,
  slowDrop: 0.1,
  slowSteady: 0.7,
  slowNearBaseline: 0.8,
  underfitAccuracy: 0.02,
  underfitError: 0.95,
  oneClassShare: 0.99,
  deadShare: 0.4,
  saturatedShare: 0.5,
} as const;

export function analyzeRun(input: CoachInput): Insight[] {
  const out: Insight[] = [];
  const h = input.history.filter((p) => Number.isFinite(p.loss));
  const lr = learningRateIssue(h, input);
  if (lr) out.push(lr);
  const over = overfitting(h, input);
  if (over) out.push(over);
  if (!input.live) {
    const under = underfitting(h, input);
    if (under) out.push(under);
    const one = predictsOneClass(input);
    if (one) out.push(one);
    for (const a of input.activity ?? []) {
      const i = a.activation === 'relu' ? deadRelu(a) : saturated(a);
      if (i) out.push(i);
    }
  }
  return out;
}

function argmin(values: readonly number[]): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] < values[best]) best = i;
  return best;
}

function mean(values: readonly number[]): number {
  return values.reduce((s, v) => s + v, 0) / Math.max(1, values.length);
}

function lowerLr(lr: number | undefined): InsightFix[] {
  return lr ? [{ kind: 'setLearningRate', learningRate: Number((lr / 10).toPrecision(2)) }] : [];
}

/** Diverging, oscillating or barely moving training loss: at most one of the three. */
function learningRateIssue(h: readonly CurvePoint[], input: CoachInput): Insight | undefined {
  if (h.length < 3) return undefined;
  const loss = h.map((p) => p.loss);
  const lrText = input.learningRate !== undefined ? ` (learningRate ${input.learningRate})` : '';
  const m = argmin(loss);
  const last = loss[loss.length - 1];
  const tail = loss.slice(-2);
  // What counts is the progress lost: a loss near 0 that doubles (memorizing) has not diverged.
  const progress = Math.max(loss[0] - loss[m], 0);
  const lost = (v: number) => v > loss[m] * T.divergeRatio && (progress === 0 || (v - loss[m]) / progress > T.divergeLost);
  if (m < loss.length - 1 && tail.every(lost)) {
    return {
      kind: 'diverging',
      epoch: h[m].epoch + 1,
      about: 'learningRate',
      message:
        `The training loss diverges: lowest at epoch ${h[m].epoch} (${fmt(loss[m])}), then it climbs to ${fmt(last)} at epoch ${h[h.length - 1].epoch} ` +
        `(${fmt(last / loss[m])} times higher). Each step overshoots the minimum it is heading for: the learning rate${lrText} is too high. Try one ten times smaller.`,
      fixes: lowerLr(input.learningRate),
      numbers: { bestEpoch: h[m].epoch, bestLoss: loss[m], lastLoss: last, ...(input.learningRate ? { learningRate: input.learningRate } : {}) },
    };
  }
  if (h.length >= 6) {
    let jumps = 0;
    let biggest = 0;
    // Rises are measured against the loss's own scale: the progress made since epoch 1, when there was some.
    const scale = progress > 0 ? progress : Math.abs(loss[0]) || 1;
    for (let i = 1; i < loss.length; i++) {
      const rel = (loss[i] - loss[i - 1]) / scale;
      if (rel > T.oscillateJump) {
        jumps++;
        biggest = Math.max(biggest, rel);
      }
    }
    if (jumps >= 2 && jumps / (loss.length - 1) >= T.oscillateShare) {
      return {
        kind: 'oscillating',
        about: 'learningRate',
        message:
          `The training loss oscillates: it went up in ${jumps} of ${loss.length - 1} epochs (by up to ${pct(biggest)} of the ground it had gained) instead of falling steadily. ` +
          `The steps jump back and forth across the valley of the loss: the learning rate${lrText} is too high. Try one ten times smaller.`,
        fixes: lowerLr(input.learningRate),
        numbers: { epochsUp: jumps, epochs: loss.length - 1, largestRise: biggest, ...(input.learningRate ? { learningRate: input.learningRate } : {}) },
      };
    }
  }
  if (h.length >= T.minEpochs && (!input.live || h.length >= 10)) {
    const drop = (loss[0] - last) / Math.abs(loss[0] || 1);
    let falling = 0;
    for (let i = 1; i < loss.length; i++) if (loss[i] < loss[i - 1]) falling++;
    const baseLoss = input.baseline?.loss;
    // Without a baseline loss to compare with, only a loss that truly stands still counts.
    const stillNearBaseline = baseLoss === undefined ? drop < T.slowDrop / 4 : last > baseLoss * T.slowNearBaseline;
    if (drop >= 0 && drop < T.slowDrop && falling / (loss.length - 1) >= T.slowSteady && stillNearBaseline) {
      const lr = input.learningRate;
      return {
        kind: 'learningRateTooLow',
        about: 'learningRate',
        message:
          `The training loss barely moves: from ${fmt(loss[0])} to ${fmt(last)} in ${h.length} epochs (${pct(drop)} lower), falling a little every epoch` +
          (baseLoss !== undefined ? `, still near the ${fmt(baseLoss)} of a network that learned nothing` : '') +
          `. The steps are too small: the learning rate${lrText} is too low. Try one ten times larger.`,
        fixes: lr ? [{ kind: 'setLearningRate', learningRate: Number((lr * 10).toPrecision(2)) }] : [],
        numbers: { firstLoss: loss[0], lastLoss: last, drop, ...(lr ? { learningRate: lr } : {}) },
      };
    }
  }
  return undefined;
}

function overfitting(h: readonly CurvePoint[], input: CoachInput): Insight | undefined {
  const withVal = h.filter((p) => Number.isFinite(p.val_loss));
  if (withVal.length < T.minEpochs) return undefined;
  const val = withVal.map((p) => p.val_loss);
  const b = argmin(val);
  const after = val.length - 1 - b;
  if (after < T.overfitAfter) return undefined;
  const end = withVal[withVal.length - 1];
  const tail = mean(val.slice(-Math.min(3, after)));
  const rise = tail / val[b] - 1;
  const best = withVal[b];
  // Overfitting is a gap that opens: the validation loss ends clearly above the training loss, not a
  // small validation set's noise around its minimum.
  if (rise < T.overfitRise || !(end.loss < best.loss * 0.97) || !(end.val_loss > end.loss * (1 + T.overfitRise))) return undefined;
  const metric = ['mae', 'accuracy'].find((k) => Number.isFinite(end[k]) && Number.isFinite(end[`val_${k}`]));
  const gap = metric
    ? ` At the end the training ${metric === 'mae' ? 'MAE' : 'accuracy'} is ${show(metric, end[metric])}, the validation ${metric === 'mae' ? 'MAE' : 'accuracy'} ${show(metric, end[`val_${metric}`])}.`
    : '';
  const restored = input.earlyStopping?.restoreBestWeights;
  const fixes: InsightFix[] = [];
  if (!restored) fixes.push({ kind: 'earlyStopping', patience: Math.max(3, Math.min(10, Math.round(best.epoch / 2))) });
  if (best.epoch < input.epochs) fixes.push({ kind: 'setEpochs', epochs: best.epoch });
  const numbers: Record<string, number> = { bestEpoch: best.epoch, bestValLoss: best.val_loss, lastValLoss: end.val_loss, trainLossAtBest: best.loss, lastTrainLoss: end.loss };
  if (metric) {
    numbers[metric] = end[metric];
    numbers[`val_${metric}`] = end[`val_${metric}`];
  }
  return {
    kind: 'overfitting',
    epoch: best.epoch,
    about: 'epochs',
    message:
      `Overfitting from epoch ${best.epoch + 1}: the validation loss was lowest at epoch ${best.epoch} (${fmt(best.val_loss)}) and rose to ${fmt(end.val_loss)} by epoch ${end.epoch} ` +
      `(${pct(end.val_loss / best.val_loss - 1)} higher), while the training loss kept falling (${fmt(best.loss)} to ${fmt(end.loss)}). ` +
      `The network learns the training rows by heart instead of what generalizes.${gap} ` +
      (restored
        ? `restoreBestWeights keeps epoch ${best.epoch}'s weights.`
        : `Keep the best epoch: earlyStopping with restoreBestWeights, or epochs ${best.epoch}; or regularize (dropout, fewer units, more data).`),
    fixes,
    numbers,
  };
}

function show(metric: string, v: number): string {
  return metric === 'accuracy' ? pct(v) : fmt(v);
}

function underfitting(h: readonly CurvePoint[], input: CoachInput): Insight | undefined {
  const b = input.baseline;
  if (!b || h.length === 0) return undefined;
  const prefix = h.some((p) => Number.isFinite(p.val_loss)) ? 'val_' : '';
  const words = prefix ? 'validation' : 'training';
  const candidates = b.task === 'classification' ? ['accuracy'] : ['mae', 'mse', 'loss'];
  for (const m of candidates) {
    const key = `${prefix}${m}`;
    const base = baselineValue(b, key);
    const values = h.map((p) => p[key]).filter((v) => Number.isFinite(v));
    if (base === undefined || values.length === 0) continue;
    const higherIsBetter = m === 'accuracy';
    const best = higherIsBetter ? Math.max(...values) : Math.min(...values);
    const bestEpoch = h.find((p) => p[key] === best)?.epoch;
    const noBetter = higherIsBetter ? best <= base + T.underfitAccuracy : best >= base * T.underfitError;
    if (!noBetter) return undefined;
    const name = m === 'accuracy' ? 'accuracy' : m === 'loss' ? 'loss' : m.toUpperCase();
    // Still learning when it stopped: larger steps (or more epochs) are the first thing to try.
    const tail = h.slice(-Math.max(3, Math.floor(h.length / 4))).map((p) => p.loss);
    let falling = 0;
    for (let i = 1; i < tail.length; i++) if (tail[i] < tail[i - 1]) falling++;
    const stillFalling = tail.length > 2 && falling / (tail.length - 1) >= 0.6;
    const fixes: InsightFix[] = stillFalling && input.learningRate ? [{ kind: 'setLearningRate', learningRate: Number((input.learningRate * 10).toPrecision(2)) }] : [];
    const answer = b.task === 'classification' ? `always answering "${b.majorityClass}"` : `always answering the mean (${fmt(b.mean[0])})`;
    return {
      kind: 'underfitting',
      epoch: bestEpoch,
      about: stillFalling && input.learningRate ? 'learningRate' : 'layers',
      message:
        `Underfitting: the best ${words} ${name}, ${show(m, best)} (epoch ${bestEpoch}), is no better than ${answer}, which scores ${show(m, base)}. ` +
        (stillFalling
          ? `The training loss was still falling when training ended: the steps are too small or too few. Raise the learning rate${input.learningRate ? ` (now ${input.learningRate})` : ''} or train longer.`
          : `The network has not learned what the features say about the target: train longer, raise the learning rate, add units or layers, ` +
            `or check that the features can predict the target at all.`),
      fixes,
      numbers: { [key]: best, baseline: base, ...(bestEpoch !== undefined ? { epoch: bestEpoch } : {}) },
    };
  }
  return undefined;
}

function predictsOneClass(input: CoachInput): Insight | undefined {
  const p = input.predicted;
  if (input.task !== 'classification' || !p || p.counts.length < 2) return undefined;
  const total = p.counts.reduce((s, c) => s + c, 0);
  if (total < 5) return undefined;
  const top = argmin(p.counts.map((c) => -c));
  if (p.counts[top] / total < T.oneClassShare) return undefined;
  const b = input.baseline;
  const share = b?.task === 'classification' && b.majorityClass === p.classNames[top] ? ` "${b.majorityClass}" is the most common class, so this scores ${pct(b.accuracy)} without looking at the inputs.` : '';
  return {
    kind: 'predictsOneClass',
    about: 'layers',
    message:
      `The network predicts one class only: ${p.counts[top]} of the ${total} validation rows get "${p.classNames[top]}".${share} ` +
      `It has found that answering the common class lowers the loss more than anything it learned from the features: ` +
      `check the class balance, train longer, or change the learning rate.`,
    numbers: { predicted: p.counts[top], rows: total },
  };
}

function deadRelu(a: LayerActivity): Insight | undefined {
  if (a.units < 2 || a.dead < 2 || a.dead / a.units < T.deadShare) return undefined;
  return {
    kind: 'deadRelu',
    about: 'layer',
    layer: a.layer,
    message:
      `${a.dead} of the ${a.units} ReLU units of layer ${a.layer + 1} (${a.type}) output 0 for every one of ${a.rows} rows: they are dead. ` +
      `A dead unit's gradient is 0, so it never learns again; large steps push units there. ` +
      `A lower learning rate, or "elu" instead of "relu", keeps them alive.`,
    numbers: { dead: a.dead, units: a.units, rows: a.rows },
  };
}

function saturated(a: LayerActivity): Insight | undefined {
  if (a.saturated < T.saturatedShare) return undefined;
  const limits = a.activation === 'sigmoid' ? '0 or 1' : '-1 or 1';
  return {
    kind: 'saturatedSigmoid',
    about: 'layer',
    layer: a.layer,
    message:
      `${pct(a.saturated)} of the outputs of layer ${a.layer + 1}'s ${a.activation} units are within ${SATURATION} of ${limits} (saturated) on ${a.rows} rows. ` +
      `There the curve is flat and the gradient almost 0, so these units barely learn. ` +
      `Normalized inputs, a lower learning rate, or "relu" help.`,
    numbers: { saturated: a.saturated, units: a.units, rows: a.rows },
  };
}

/** A loss that became NaN or infinite: the run fails, and run.json keeps this insight for the editor. */
export function lossNotFinite(epoch: number, value: number, learningRate?: number): Insight {
  const lrText = learningRate !== undefined ? ` (learningRate ${learningRate})` : '';
  return {
    kind: 'diverging',
    epoch,
    about: 'learningRate',
    message:
      `The loss diverged: it became ${value} in epoch ${epoch}. The steps grew until the numbers overflowed: ` +
      `the learning rate${lrText} is far too high, or the inputs are not normalized. Try a learning rate ten times smaller.`,
    fixes: lowerLr(learningRate),
    numbers: { epoch, ...(learningRate ? { learningRate } : {}) },
  };
}
