// Text as numbers: tokenization, a vocabulary fitted on training texts, padding, truncation, decoding.
import * as assert from 'node:assert/strict';
import {
  argmaxIds, coverage, decodeIds, differingPositions, encodeText, encodeTexts, fitText, idCount, percentileLength,
  textAsNumbers, textEncodingFromJson, tokenize, tokenId, PAD_ID, UNKNOWN_ID,
} from '../../../src/data/text';

describe('text: tokenization', () => {
  it('words: runs of letters, digits and apostrophes; every other non-space character alone', () => {
    assert.deepEqual(tokenize("Don't stop, it's 2024!! Win $100...", 'words', false), [
      "Don't", 'stop', ',', "it's", '2024', '!', '!', 'Win', '$', '100', '.', '.', '.',
    ]);
  });

  it('words: letters beyond ASCII, curly apostrophes, tabs and line breaks as spaces', () => {
    assert.deepEqual(tokenize('Café  naïve\tl\u2019été\r\nüber-cool', 'words', true), ['café', 'naïve', 'l\u2019été', 'über', '-', 'cool']);
  });

  it('lowercases unless told not to', () => {
    assert.deepEqual(tokenize('FREE Money', 'words', true), ['free', 'money']);
    assert.deepEqual(tokenize('FREE Money', 'words', false), ['FREE', 'Money']);
  });

  it('characters: every code point, spaces included', () => {
    assert.deepEqual(tokenize('Ab c', 'characters', true), ['a', 'b', ' ', 'c']);
    assert.deepEqual(tokenize('a😀b', 'characters', true), ['a', '😀', 'b']);
  });

  it('an empty text has no tokens and encodes as all padding', () => {
    assert.deepEqual(tokenize('', 'words', true), []);
    assert.deepEqual(tokenize('   ', 'words', true), []);
    const enc = fitText('t', ['a b'], { tokens: 'words', lowercase: true, maxLength: 3 });
    assert.deepEqual(encodeText(enc, '').ids, [PAD_ID, PAD_ID, PAD_ID]);
  });
});

describe('text: vocabulary', () => {
  const train = ['the cat sat', 'the dog sat', 'The cat ran'];

  it('gives the most frequent training tokens ids from 2, ties broken by code point order', () => {
    const enc = fitText('t', train, { tokens: 'words', lowercase: true });
    // the:3, cat:2, sat:2, dog:1, ran:1
    assert.deepEqual(enc.vocabulary, ['the', 'cat', 'sat', 'dog', 'ran']);
    assert.equal(tokenId(enc, 'the'), 2);
    assert.equal(tokenId(enc, 'ran'), 6);
    assert.equal(idCount(enc), 7);
    assert.equal(enc.stats.distinctTokens, 5);
  });

  it('the same texts in another order give the same ids', () => {
    const a = fitText('t', train, { tokens: 'words', lowercase: true });
    const b = fitText('t', [...train].reverse(), { tokens: 'words', lowercase: true });
    assert.deepEqual(a.vocabulary, b.vocabulary);
  });

  it('keeps only vocabularySize tokens; the rest are unknown (id 1)', () => {
    const enc = fitText('t', train, { tokens: 'words', lowercase: true, vocabularySize: 2, maxLength: 3 });
    assert.deepEqual(enc.vocabulary, ['the', 'cat']);
    assert.deepEqual(encodeText(enc, 'the dog sat').ids, [2, UNKNOWN_ID, UNKNOWN_ID]);
  });

  it('a token seen only outside the training texts is unknown', () => {
    const enc = fitText('t', train, { tokens: 'words', lowercase: true, maxLength: 4 });
    const e = encodeText(enc, 'the bird sat');
    assert.deepEqual(e.ids, [2, UNKNOWN_ID, 4, PAD_ID]);
    assert.equal(e.unknown, 1);
    assert.equal(coverage(enc, ['the bird sat', 'cat']), 3 / 4);
  });

  it('characters: every training character by default', () => {
    const enc = fitText('t', ['abca', 'bd'], { tokens: 'characters', lowercase: true });
    assert.deepEqual(enc.vocabulary, ['a', 'b', 'c', 'd']);
    assert.equal(enc.maxLength, 4);
  });
});

describe('text: padding and truncation', () => {
  it('pads at the end with 0 and cuts the end of longer texts, counting them', () => {
    const enc = fitText('t', ['a b c d e', 'a b'], { tokens: 'words', lowercase: true, maxLength: 3 });
    assert.equal(enc.stats.cut, 1);
    const { ids, cut } = encodeTexts(enc, ['a b c d e', 'b', 'z']);
    assert.equal(cut, 1);
    assert.deepEqual(Array.from(ids), [2, 3, 4, 3, 0, 0, 1, 0, 0]);
    assert.equal(encodeText(enc, 'a b c d e').cut, 2);
  });

  it('maxLength defaults to the 95th percentile of training lengths; a target to the longest', () => {
    const texts = Array.from({ length: 100 }, (_, i) => 'w '.repeat(i + 1));
    assert.equal(fitText('t', texts, { tokens: 'words', lowercase: true }).maxLength, 95);
    assert.equal(fitText('t', texts, { tokens: 'words', lowercase: true }, 'longest').maxLength, 100);
    assert.equal(percentileLength([]), 1);
    assert.equal(percentileLength([0, 0]), 1);
  });

  it('shows a text as numbers: tokens, ids, unknown and padding marked, what was cut', () => {
    const enc = fitText('t', ['hi there', 'hi'], { tokens: 'words', lowercase: true, maxLength: 3 });
    const view = textAsNumbers(enc, 'Hi you');
    assert.deepEqual(view.cells, [
      { token: 'hi', id: 2, kind: 'token' },
      { token: 'you', id: 1, kind: 'unknown' },
      { token: '<pad>', id: 0, kind: 'padding' },
    ]);
    assert.deepEqual(textAsNumbers(enc, 'a b c d').cut, ['d']);
  });
});

describe('text: decoding and preprocess.json', () => {
  it('decodes ids up to the first padding; characters joined, words spaced', () => {
    const chars = fitText('t', ['1999-10-12'], { tokens: 'characters', lowercase: true });
    const ids = encodeText(chars, '1999-10-12').ids;
    assert.equal(decodeIds(chars, ids), '1999-10-12');
    assert.equal(decodeIds(chars, [tokenId(chars, '1'), UNKNOWN_ID, PAD_ID, tokenId(chars, '2')]), '1<unk>');
    const words = fitText('t', ['good morning'], { tokens: 'words', lowercase: true });
    assert.equal(decodeIds(words, encodeText(words, 'Good morning').ids), 'good morning');
  });

  it('argmax per position over a flat probability block', () => {
    // 2 positions x 3 ids
    assert.deepEqual(argmaxIds([0.1, 0.7, 0.2, 0.5, 0.1, 0.4], 2, 3), [1, 0]);
    assert.deepEqual(argmaxIds([9, 9, 9, 0, 0, 1, 1, 0, 0], 2, 3, 3), [2, 0]);
  });

  it('marks the characters where a prediction differs', () => {
    assert.deepEqual(differingPositions('1999', '1899'), [false, true, false, false]);
    assert.deepEqual(differingPositions('12', '123'), [false, false, true]);
  });

  it('round-trips through JSON and encodes identically', () => {
    const enc = fitText('review', ["It's great!", 'bad, bad film'], { tokens: 'words', lowercase: true });
    const back = textEncodingFromJson(JSON.parse(JSON.stringify(enc)), 'preprocess.json');
    assert.deepEqual(back, enc);
    for (const t of ["IT'S a bad film!", '']) assert.deepEqual(encodeText(back, t), encodeText(enc, t));
  });

  it('refuses a damaged text section with a message naming the field', () => {
    assert.throws(() => textEncodingFromJson({ column: 'x', tokens: 'letters' }, 'run/preprocess.json'), /run\/preprocess\.json: text\.tokens/);
    assert.throws(() => textEncodingFromJson(null, 'p.json'), /p\.json: the text section/);
  });
});
