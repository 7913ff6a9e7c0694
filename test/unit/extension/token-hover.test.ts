import { strict as assert } from 'node:assert';
import { fitText } from '../../../src/data/text';
import { predictInputAt, textColumnOf } from '../../../src/extension/spec-text';
import { noRunHoverMarkdown, tokenHoverMarkdown } from '../../../src/extension/token-hover';

const enc = fitText('message', ['free money now', 'free prize', 'meeting at noon'], { tokens: 'words', lowercase: true, maxLength: 6 });

describe('token hover on predict inputs', () => {
  it('lists the tokens with their ids, unknown ones marked, and the padding', () => {
    const md = tokenHoverMarkdown(enc, 'FREE lunch', 'r1');
    const free = enc.vocabulary.indexOf('free') + 2;
    assert.match(md, new RegExp(`free → ${free}`));
    assert.match(md, /\*\*lunch → 1 \(unknown\)\*\*/);
    assert.match(md, /2 tokens, 1 unknown \(id 1\), padded with 4 × 0 to maxLength 6/);
    assert.match(md, /run `r1`/);
  });

  it('says what maxLength cuts', () => {
    const md = tokenHoverMarkdown(enc, 'free free free free free free money prize', 'r1');
    assert.match(md, /2 cut beyond maxLength 6: money prize/);
  });

  it('escapes text from the data: no HTML or markdown survives', () => {
    const md = tokenHoverMarkdown(enc, '<script>alert(1)</script> & [x](http://e)', 'r1');
    assert.ok(!md.includes('<script>'));
    assert.ok(!md.includes('](http'));
    assert.match(md, /&lt;/);
    assert.match(md, /&amp;/);
  });

  it('says when there is no run yet, and when the input lacks the text', () => {
    assert.match(noRunHoverMarkdown('message'), /no completed run yet/);
    assert.match(tokenHoverMarkdown(enc, undefined, 'r1'), /no "message"/);
  });

  it('finds the predict input under the cursor and the text column, comments and all', () => {
    const spec = `{
  // a comment
  "data": { "source": "a.csv", "target": "label", "text": { "column": "message" } },
  "predict": { "inputs": [
    { "message": "first" },
    { "message": "second" }, // trailing
  ] }
}`;
    assert.equal(textColumnOf(spec), 'message');
    const at = predictInputAt(spec, spec.indexOf('second'));
    assert.equal(at?.index, 1);
    assert.equal((at?.value as Record<string, unknown>).message, 'second');
    assert.equal(predictInputAt(spec, spec.indexOf('a comment')), undefined);
    assert.equal(textColumnOf('{ "data": { "text": "body" } }'), 'body');
    assert.equal(textColumnOf('{ "data": { "source": "x.csv" } }'), undefined);
  });
});
