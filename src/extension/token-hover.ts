// The hover on a `predict.inputs` object of a text spec: the text as the model will read it (its tokens and
// their ids under the last completed run's vocabulary, unknown tokens marked, what padding or maxLength
// does). Pure (no vscode): token-hover-provider.ts finds the run and the input.
import { cellText } from '../data/text-data';
import { PAD_ID, textAsNumbers, type TextEncoding } from '../data/text';
import { escapeMarkdown } from './format';

/** Tokens listed in the hover; a longer text says how many more (the ids are the first maxLength anyway). */
export const HOVER_TOKENS = 60;

export function tokenHoverMarkdown(enc: TextEncoding, value: unknown, runId: string): string {
  const md = escapeMarkdown;
  if (value === undefined || value === null) return `This input has no "${md(enc.column)}": the model reads it as an empty text (all padding).`;
  const t = textAsNumbers(enc, cellText(value));
  const used = t.cells.filter((c) => c.kind !== 'padding');
  const parts = used.slice(0, HOVER_TOKENS).map((c) => (c.kind === 'unknown' ? `**${md(c.token)} → 1 (unknown)**` : `${md(c.token)} → ${c.id}`));
  if (used.length > HOVER_TOKENS) parts.push(`… ${used.length - HOVER_TOKENS} more`);
  const lines = [
    `**Text as numbers** (${enc.tokens}${enc.lowercase ? ', lowercased' : ''}; run \`${runId}\`, vocabulary of ${enc.vocabulary.length + 2} ids)`,
    '',
    parts.length ? parts.join(' · ') : '(no tokens)',
    '',
  ];
  const facts = [`${used.length} token${used.length === 1 ? '' : 's'}`, `${t.unknown} unknown (id 1)`];
  const pad = t.cells.length - used.length;
  if (pad > 0) facts.push(`padded with ${pad} × ${PAD_ID} to maxLength ${enc.maxLength}`);
  if (t.cut.length) facts.push(`${t.cut.length} cut beyond maxLength ${enc.maxLength}: ${t.cut.slice(0, 10).map(md).join(' ')}${t.cut.length > 10 ? ' …' : ''}`);
  lines.push(`${facts.join(', ')}.`);
  return lines.join('\n');
}

export function noRunHoverMarkdown(column: string): string {
  return `**Text as numbers**: no completed run yet. Training fits the vocabulary of "${escapeMarkdown(column)}" on the training split; then this hover shows the text's tokens and their ids.`;
}
