// Pseudo-label bookkeeping (semi-supervised learning, format "Kinds of learning"): which rows are
// unlabelled, the validation split from labelled rows only, which unlabelled rows a round adopts, and the
// round state that a resumed run picks up mid-round. Training runs `epochsPerRound` epochs for the first
// fit (round 0) and again after each of `rounds` adoptions; epochs are numbered on across rounds.
// Neutral: no Node, DOM or TensorFlow.js.
import { splitIndices, type Split } from './split';

export interface PseudoLabelOptions {
  threshold: number;
  rounds: number;
}

/** One adopted row: its index in the prepared data, the class given to it and how sure the model was. */
export interface Adopted {
  row: number;
  cls: number;
  confidence: number;
}

export interface RoundRecord {
  round: number;
  adopted: number;
}

/** What a run keeps on disk (pseudo-labels.json) so that a resumed run trains on the same rows. */
export interface PseudoLabelState {
  /** The round whose adoption `adopted` holds (0: nothing adopted yet). */
  round: number;
  adopted: Adopted[];
  rounds: RoundRecord[];
}

export const EMPTY_PSEUDO_STATE: PseudoLabelState = { round: 0, adopted: [], rounds: [] };

/** Training and validation rows taken from the labelled rows only; the unlabelled rows are kept apart. */
export function semiSupervisedSplit(
  labelled: readonly number[],
  unlabelled: readonly number[],
  validationSplit: number,
  shuffle: boolean,
  seed: number,
): Split & { unlabelled: number[] } {
  const s = splitIndices(labelled.length, validationSplit, shuffle, seed);
  return { train: s.train.map((i) => labelled[i]), validation: s.validation.map((i) => labelled[i]), unlabelled: [...unlabelled] };
}

/**
 * The rows predicted with at least `threshold` confidence. `probs` holds one row of `width` values per
 * entry of `rows`: class probabilities, or one sigmoid value (the probability of class 1) when width is 1.
 */
export function adoptConfident(rows: readonly number[], probs: ArrayLike<number>, width: number, threshold: number): Adopted[] {
  const out: Adopted[] = [];
  rows.forEach((row, i) => {
    let cls: number;
    let confidence: number;
    if (width === 1) {
      const p = probs[i];
      cls = p >= 0.5 ? 1 : 0;
      confidence = cls === 1 ? p : 1 - p;
    } else {
      cls = 0;
      for (let j = 1; j < width; j++) if (probs[i * width + j] > probs[i * width + cls]) cls = j;
      confidence = probs[i * width + cls];
    }
    if (confidence >= threshold) out.push({ row, cls, confidence });
  });
  return out;
}

/** The round an epoch (1-based, numbered across rounds) belongs to. */
export function roundOfEpoch(epoch: number, epochsPerRound: number): number {
  return Math.floor((epoch - 1) / Math.max(1, epochsPerRound));
}

export function totalEpochs(epochsPerRound: number, o: PseudoLabelOptions): number {
  return epochsPerRound * (o.rounds + 1);
}

/** True when the epoch about to train starts a round whose adoption has not been made yet. */
export function needsAdoption(state: PseudoLabelState, nextEpoch: number, epochsPerRound: number): boolean {
  return roundOfEpoch(nextEpoch, epochsPerRound) > state.round;
}

/** The state after `round`'s adoption: each round adopts afresh from every unlabelled row. */
export function withAdoption(state: PseudoLabelState, round: number, adopted: Adopted[]): PseudoLabelState {
  return { round, adopted, rounds: [...state.rounds.filter((r) => r.round < round), { round, adopted: adopted.length }] };
}

/** The rows a round trains on: the labelled training rows, then the adopted ones. */
export function roundTrainingRows(train: readonly number[], state: PseudoLabelState): number[] {
  return [...train, ...state.adopted.map((a) => a.row)];
}
