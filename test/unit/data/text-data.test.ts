// A table with a text column to token ids: vocabulary from training rows only, clear errors with CSV lines.
import * as assert from 'node:assert/strict';
import { parseTable, DataError } from '../../../src/data/table';
import { prepareTextData, type TextDataOptions } from '../../../src/data/text-data';
import { encodeText, tokenId, UNKNOWN_ID } from '../../../src/data/text';

const opts = (o: Partial<TextDataOptions> = {}): TextDataOptions => ({
  column: 'review',
  settings: { tokens: 'words', lowercase: true },
  target: 'label',
  validationSplit: 0.25,
  shuffle: false,
  seed: 1,
  missing: 'drop',
  ...o,
});

describe('text data: preparing a text column', () => {
  // Without shuffle the last quarter (rows 7 and 8) is validation.
  const csv = [
    'review,label',
    '"Great film, loved it",pos',
    '"Bad, ""boring"" film",neg',
    'great acting,pos',
    '"so bad\nit hurts",neg',
    'loved the music,pos',
    'bad music,neg',
    'zebra great,pos',
    'awful zebra,neg',
  ].join('\n');

  it('fits the vocabulary on the training rows only: a token seen only in validation is unknown', () => {
    const t = parseTable(csv, 'reviews.csv', 'csv');
    const d = prepareTextData(t, opts());
    assert.deepEqual(d.split.validation, [6, 7]);
    assert.equal(tokenId(d.text, 'zebra'), UNKNOWN_ID);
    assert.equal(tokenId(d.text, 'awful'), UNKNOWN_ID);
    assert.ok(tokenId(d.text, 'bad') > 1);
    assert.deepEqual(d.classNames, ['neg', 'pos']);
    assert.deepEqual(Array.from(d.y), [1, 0, 1, 0, 1, 0, 1, 0]);
    // validation tokens: zebra great awful zebra -> 1 of 4 known
    assert.equal(d.coverage, 1 / 4);
    const row = Array.from(d.x.subarray(6 * d.text.maxLength, 7 * d.text.maxLength));
    assert.deepEqual(row, encodeText(d.text, 'zebra great').ids);
  });

  it('reads quoted texts with commas, quotes and line breaks; keeps the lines of the rows', () => {
    const t = parseTable(csv, 'reviews.csv', 'csv');
    const d = prepareTextData(t, opts());
    assert.equal(d.texts[1], 'Bad, "boring" film');
    assert.equal(d.texts[3], 'so bad\nit hurts');
    assert.deepEqual(t.lines.slice(3, 6), [5, 7, 8]);
  });

  it('counts texts cut at maxLength and treats an empty text as padding only', () => {
    const t = parseTable('review,label\na b c d,x\n,y\na,x\nb,y\n', 'r.csv', 'csv');
    const d = prepareTextData(t, opts({ settings: { tokens: 'words', lowercase: true, maxLength: 2 }, validationSplit: 0 }));
    assert.equal(d.cut, 1);
    assert.equal(d.empty, 1);
    assert.deepEqual(Array.from(d.x.subarray(2, 4)), [0, 0]);
  });

  it('a sequence target gets its own vocabulary and maxLength = the longest training target', () => {
    const t = parseTable('words,digits\nten,10\nnine,9\ntwelve,12\none hundred,100\n', 'n.csv', 'csv');
    const d = prepareTextData(t, opts({ column: 'words', target: 'digits', settings: { tokens: 'words', lowercase: true }, targetText: { tokens: 'characters', lowercase: true }, validationSplit: 0.25 }));
    assert.equal(d.targetText?.maxLength, 2);
    assert.deepEqual(d.targetText?.vocabulary, ['1', '0', '2', '9']);
    assert.equal(d.targetCut, 1); // "100" in validation is longer than the training targets
    assert.equal(d.y.length, 4 * 2);
    assert.equal(d.classNames, undefined);
  });

  it('a text column holding numbers is an error naming the file and the line of the first number', () => {
    const t = parseTable('review,label\n3.5,a\n4,b\nok,a\n', 'r.csv', 'csv');
    assert.throws(
      () => prepareTextData(t, opts()),
      (e: unknown) => e instanceof DataError && e.line === 2 && /^r\.csv:2: data\.text: column "review" is not text: 2 of its 3 values are numbers/.test(e.message),
    );
  });

  it('rows without a target are dropped, or an error with missing "error"', () => {
    const t = parseTable('review,label\nhello,a\nbye,\nyo,b\n', 'r.csv', 'csv');
    assert.equal(prepareTextData(t, opts({ validationSplit: 0 })).dropped, 1);
    assert.throws(() => prepareTextData(t, opts({ missing: 'error' })), /r\.csv:3: missing value in column "label"/);
  });
});
