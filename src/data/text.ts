// Text as numbers: tokenization, a vocabulary fitted on the training split, padding and truncation, and
// the way back (ids to text). Neutral (no Node, no TensorFlow.js): the trainer, the editor's hover and the
// dashboard all use these same functions, so a text is tokenized identically everywhere.

export type TokenMode = 'words' | 'characters';

/** Id 0 pads a text to maxLength; id 1 stands for any token outside the vocabulary. */
export const PAD_ID = 0;
export const UNKNOWN_ID = 1;
export const FIRST_TOKEN_ID = 2;
/** How padding and unknown tokens are shown to people (tokens themselves never contain these). */
export const PAD_MARK = '<pad>';
export const UNKNOWN_MARK = '<unk>';

export const DEFAULT_WORD_VOCABULARY = 10000;

/** The user's choices, as in the spec's `data.text` / `data.targetText` (absent: derived). */
export interface TextSettings {
  tokens: TokenMode;
  lowercase: boolean;
  maxLength?: number;
  vocabularySize?: number;
}

/** The `text` (or `targetText`) section of preprocess.json: everything needed to encode and decode. */
export interface TextEncoding {
  column: string;
  tokens: TokenMode;
  lowercase: boolean;
  maxLength: number;
  /** Tokens by id: vocabulary[k] has id k + FIRST_TOKEN_ID, most frequent first. */
  vocabulary: string[];
  /** Training statistics, for the dashboard and the log. */
  stats: TextStats;
}

export interface TextStats {
  /** Training texts the vocabulary was fitted on. */
  texts: number;
  /** Distinct tokens seen in training (the vocabulary keeps at most vocabularySize of them). */
  distinctTokens: number;
  /** Training texts longer than maxLength, whose end was cut. */
  cut: number;
  /** Longest training text, in tokens. */
  longest: number;
}

// Letters (with their combining marks), digits and apostrophes make a word; anything else that is not
// a space stands alone, so "don't!" is ["don't", "!"].
const WORD_RE = /[\p{L}\p{M}\p{N}'\u2019]+|[^\s\p{L}\p{M}\p{N}'\u2019]/gu;

export function tokenize(text: string, tokens: TokenMode, lowercase: boolean): string[] {
  const t = lowercase ? text.toLowerCase() : text;
  if (tokens === 'characters') return Array.from(t);
  return t.match(WORD_RE) ?? [];
}

/** Ids in the embedding's input: padding, unknown and every vocabulary token. */
export function idCount(enc: TextEncoding): number {
  return enc.vocabulary.length + FIRST_TOKEN_ID;
}

/** 95th percentile (nearest rank) of the lengths, at least 1. */
export function percentileLength(lengths: readonly number[], p = 0.95): number {
  if (lengths.length === 0) return 1;
  const sorted = [...lengths].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil(p * sorted.length));
  return Math.max(1, sorted[rank - 1]);
}

/**
 * Fits the vocabulary on the training texts only. Most frequent tokens get the lowest ids; ties go to
 * the token that sorts first by code points, so the same texts always give the same ids. maxLength
 * defaults to the 95th percentile of the training lengths, or for a target (`longest`) to the longest.
 */
export function fitText(column: string, trainTexts: readonly string[], settings: TextSettings, defaultLength: 'percentile' | 'longest' = 'percentile'): TextEncoding {
  const counts = new Map<string, number>();
  const lengths: number[] = [];
  for (const text of trainTexts) {
    const toks = tokenize(text, settings.tokens, settings.lowercase);
    lengths.push(toks.length);
    for (const tok of toks) counts.set(tok, (counts.get(tok) ?? 0) + 1);
  }
  const ranked = [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const limit = settings.vocabularySize ?? (settings.tokens === 'words' ? DEFAULT_WORD_VOCABULARY : ranked.length);
  const vocabulary = ranked.slice(0, Math.max(0, limit)).map(([tok]) => tok);
  const longest = lengths.reduce((m, l) => Math.max(m, l), 0);
  const maxLength = settings.maxLength ?? (defaultLength === 'longest' ? Math.max(1, longest) : percentileLength(lengths));
  return {
    column,
    tokens: settings.tokens,
    lowercase: settings.lowercase,
    maxLength,
    vocabulary,
    stats: { texts: trainTexts.length, distinctTokens: counts.size, cut: lengths.filter((l) => l > maxLength).length, longest },
  };
}

const indexCache = new WeakMap<TextEncoding, Map<string, number>>();

function indexOf(enc: TextEncoding): Map<string, number> {
  let index = indexCache.get(enc);
  if (!index) {
    index = new Map(enc.vocabulary.map((tok, k) => [tok, k + FIRST_TOKEN_ID]));
    indexCache.set(enc, index);
  }
  return index;
}

export function tokenId(enc: TextEncoding, token: string): number {
  return indexOf(enc).get(token) ?? UNKNOWN_ID;
}

/** What became of one text: its tokens, the ids kept (padded to maxLength), what was cut or unknown. */
export interface EncodedText {
  tokens: string[];
  ids: number[];
  /** Tokens beyond maxLength that were dropped. */
  cut: number;
  /** Tokens (within maxLength) outside the vocabulary. */
  unknown: number;
}

export function encodeText(enc: TextEncoding, text: string): EncodedText {
  const tokens = tokenize(text, enc.tokens, enc.lowercase);
  const index = indexOf(enc);
  const ids = new Array<number>(enc.maxLength).fill(PAD_ID);
  const kept = Math.min(tokens.length, enc.maxLength);
  let unknown = 0;
  for (let i = 0; i < kept; i++) {
    const id = index.get(tokens[i]) ?? UNKNOWN_ID;
    if (id === UNKNOWN_ID) unknown++;
    ids[i] = id;
  }
  return { tokens, ids, cut: tokens.length - kept, unknown };
}

/** Many texts into one n x maxLength block of ids, with how many were cut. */
export function encodeTexts(enc: TextEncoding, texts: readonly string[], out = new Float32Array(texts.length * enc.maxLength)): { ids: Float32Array; cut: number } {
  let cut = 0;
  texts.forEach((text, r) => {
    const e = encodeText(enc, text);
    if (e.cut > 0) cut++;
    out.set(e.ids, r * enc.maxLength);
  });
  return { ids: out, cut };
}

/** Share of the texts' tokens that are in the vocabulary (all tokens, before truncation); NaN without any. */
export function coverage(enc: TextEncoding, texts: readonly string[]): number {
  const index = indexOf(enc);
  let known = 0;
  let total = 0;
  for (const text of texts) {
    for (const tok of tokenize(text, enc.tokens, enc.lowercase)) {
      total++;
      if (index.has(tok)) known++;
    }
  }
  return total === 0 ? NaN : known / total;
}

export function tokenText(enc: TextEncoding, id: number): string {
  if (id === PAD_ID) return PAD_MARK;
  if (id === UNKNOWN_ID) return UNKNOWN_MARK;
  return enc.vocabulary[id - FIRST_TOKEN_ID] ?? UNKNOWN_MARK;
}

/** Ids back to text, up to the first padding: characters joined as they are, words with spaces. */
export function decodeIds(enc: TextEncoding, ids: ArrayLike<number>): string {
  const parts: string[] = [];
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i];
    if (id === PAD_ID) break;
    parts.push(tokenText(enc, id));
  }
  return parts.join(enc.tokens === 'characters' ? '' : ' ');
}

/** Each position's most likely id, from n x maxLength x ids probabilities laid out row-major. */
export function argmaxIds(probs: ArrayLike<number>, positions: number, ids: number, offset = 0): number[] {
  const out = new Array<number>(positions);
  for (let p = 0; p < positions; p++) {
    let best = 0;
    let bestP = -Infinity;
    const base = offset + p * ids;
    for (let k = 0; k < ids; k++) {
      if (probs[base + k] > bestP) {
        bestP = probs[base + k];
        best = k;
      }
    }
    out[p] = best;
  }
  return out;
}

/** One row of "text as numbers": each position's token and id, padding and unknowns marked. */
export interface TokenCell {
  token: string;
  id: number;
  kind: 'token' | 'unknown' | 'padding';
}

export function textAsNumbers(enc: TextEncoding, text: string): { cells: TokenCell[]; cut: string[]; unknown: number } {
  const e = encodeText(enc, text);
  const cells = e.ids.map((id, i): TokenCell => {
    if (i >= e.tokens.length) return { token: PAD_MARK, id, kind: 'padding' };
    return { token: e.tokens[i], id, kind: id === UNKNOWN_ID ? 'unknown' : 'token' };
  });
  return { cells, cut: e.tokens.slice(enc.maxLength), unknown: e.unknown };
}

export { differingPositions } from '../common/text-diff';

/** A text encoding read back from preprocess.json, checked so a damaged file fails with a clear message. */
export function textEncodingFromJson(value: unknown, where: string): TextEncoding {
  const o = value as Partial<TextEncoding> | null;
  const bad = (what: string): never => {
    throw new Error(`${where}: ${what}`);
  };
  if (!o || typeof o !== 'object') bad('the text section is missing or not an object');
  if (typeof o!.column !== 'string') bad('text.column must be a string');
  if (o!.tokens !== 'words' && o!.tokens !== 'characters') bad('text.tokens must be "words" or "characters"');
  if (typeof o!.lowercase !== 'boolean') bad('text.lowercase must be true or false');
  if (!Number.isInteger(o!.maxLength) || (o!.maxLength as number) < 1) bad('text.maxLength must be a positive integer');
  if (!Array.isArray(o!.vocabulary) || o!.vocabulary.some((t) => typeof t !== 'string')) bad('text.vocabulary must be a list of strings');
  const s = (o!.stats ?? {}) as Partial<TextStats>;
  return {
    column: o!.column!,
    tokens: o!.tokens!,
    lowercase: o!.lowercase!,
    maxLength: o!.maxLength!,
    vocabulary: o!.vocabulary!,
    stats: { texts: s.texts ?? 0, distinctTokens: s.distinctTokens ?? o!.vocabulary!.length, cut: s.cut ?? 0, longest: s.longest ?? 0 },
  };
}
