// Everything the schema cannot say: the data file exists and parses, the named columns exist, layer shapes
// fit together, loss, output activation and metrics suit the task, predict inputs have the features, a
// transfer-learning base exists. Never throws for bad input: every problem is data with a range.
import { stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, relative, resolve } from 'node:path';
import { FileRefused, formatBytes, isContained, LIMITS, readRegularFile } from '../runs/safe-fs';
import { findNodeAtLocation, type Node } from 'jsonc-parser';
import { describeData, featureColumns, presentValues, targetColumns, type DataDescription } from '../data/columns';
import { isImageFile, listImageFolder, type ImageFolder } from '../data/image-folder';
import { checkImageFiles } from '../data/images';
import { DataError, isMissing, readTable, tableFromRows, type Table } from '../data/table';
import { splitCounts } from '../data/split';
import { prepareTextData, textSetupOf, type TextData, type TextSetup } from '../data/text-data';
import { idCount, type TextEncoding } from '../data/text';
import { BaseModelError, readBaseModel, type BaseModel } from './base-model';
import { checkData, firstNonNumber } from '../data/checks';
import { imageKeyOf } from '../common/image-inputs';
import { nameFromPath } from '../common/names';
import { autoencoderOutputIssue, defaultMetrics, derivedOutput, DEFAULTS, makePlan, PlanError, type Plan, type PlanText } from './plan';
import type { LayerContext } from './layers';
import { parseSpecDocument, type JsonPath } from './parse';
import { rangeOf, type Problem, type ProblemSink, type Severity, type Target } from './problems';
import { inferShapes, outputIssue } from './shapes';
import { describeMemory, trainingMemory, TRAINER_MEMORY_BYTES } from './memory';
import { didYouMean } from './suggest';
import type { LossName, MetricName, Spec } from './types';
import { UNSUPPORTED, unsupportedMessage } from './unsupported';

export interface ValidateOptions {
  /**
   * Whether the workspace is trusted. An untrusted spec may not name a path whose real location (symbolic
   * links resolved) is outside `workspaceRoot`, or outside the spec's own folder when there is none.
   */
  trusted?: boolean;
  /** The workspace folder holding the spec, if any. */
  workspaceRoot?: string;
  /** The split seed a text vocabulary is fitted with (the run's); default: the spec's seed, or 0. */
  seed?: number;
}

export interface ValidationResult {
  spec?: Spec;
  problems: Problem[];
  /** What validation learned on the way, for callers that go on to train or summarize (read-only: the table may be cached). */
  table?: Table;
  images?: ImageFolder;
  description?: DataDescription;
  base?: BaseModel;
  /** Every choice of the experiment as it will be used (plan.ts); present when there are no errors. */
  plan?: Plan;
  /** With `data.text`: the texts as token ids, the vocabulary fitted on the training split. */
  text?: TextData;
}

const CLASSIFICATION_LOSSES: ReadonlySet<LossName> = new Set(['binaryCrossentropy', 'categoricalCrossentropy', 'sparseCategoricalCrossentropy']);
const MANY_CLASSES = 50;
const MANY_CATEGORIES = 50;
/** How many source lines a message about the rows left for training lists. */
const USABLE_LINES_SHOWN = 8;

/** Resolves paths in the spec to nodes, falling back to the nearest existing ancestor. */
class Reporter {
  constructor(
    readonly root: Node,
    readonly sink: ProblemSink,
  ) {}

  node(path: JsonPath): Node {
    for (let p = [...path]; ; p = p.slice(0, -1)) {
      const n = p.length === 0 ? this.root : findNodeAtLocation(this.root, p);
      if (n) return n;
      if (p.length === 0) return this.root;
    }
  }

  report(path: JsonPath, message: string, severity: Severity = 'error', target: Target = 'value'): void {
    this.sink.node(this.node(path), path, message, severity, target);
  }

  error(path: JsonPath, message: string, target: Target = 'value'): void {
    this.report(path, message, 'error', target);
  }

  warn(path: JsonPath, message: string, target: Target = 'value'): void {
    this.report(path, message, 'warning', target);
  }

  /** A finding at a line of a data file, shown there and on the spec node `path`. */
  dataFinding(path: JsonPath, message: string, severity: Severity, file: string, line: number): void {
    const r = rangeOf(this.node(path), 'value');
    this.sink.problems.push({ path, message, offset: r.offset, length: r.length, line, column: 1, severity, file });
  }

  /** A problem inside a data file: its place is the file's line, its range the spec node naming the file. */
  dataError(path: JsonPath, e: DataError): void {
    if (e.line === undefined) {
      // Nothing to point at inside the file (not found, unsupported type): the spec's path is the place.
      this.error(path, `${basename(e.file)}: ${e.detail}`);
      return;
    }
    const node = this.node(path);
    const r = rangeOf(node, 'value');
    const where = `${basename(e.file)}, line ${e.line}: `;
    this.sink.problems.push({
      path,
      message: `${where}${e.detail}`,
      offset: r.offset,
      length: r.length,
      line: e.line,
      column: e.column ?? 1,
      severity: 'error',
      file: e.file,
    });
  }
}

async function kindOf(p: string): Promise<'file' | 'dir' | undefined> {
  try {
    const s = await stat(p);
    return s.isDirectory() ? 'dir' : 'file';
  } catch {
    return undefined;
  }
}

export async function validateSpecFile(specPath: string, text?: string, opts: ValidateOptions = {}): Promise<ValidationResult> {
  if (text === undefined) {
    try {
      text = (await readRegularFile(specPath, LIMITS.spec)).toString('utf8');
    } catch (e) {
      const why = e instanceof FileRefused ? e.message : (e as Error).message;
      return { problems: [{ path: [], message: `cannot read the spec: ${why}`, offset: 0, length: 0, line: 1, column: 1, severity: 'error' }] };
    }
  }
  if (text.charCodeAt(0) === 0xfeff) text = ' ' + text.slice(1);
  const doc = parseSpecDocument(text);
  if (!doc.spec || !doc.root) return { problems: doc.problems };
  const v = new SpecValidator(specPath, doc.spec, new Reporter(doc.root, doc.sink), opts);
  try {
    await v.run();
  } catch (e) {
    // A bug here must not cost the user the problems already found: report it as one more.
    doc.sink.at(0, 0, [], `internal error while validating: ${(e as Error)?.message ?? String(e)}`);
  }
  const result: ValidationResult = { spec: doc.spec, problems: sortProblems(doc.problems) };
  if (v.table) result.table = v.table;
  if (v.images) result.images = v.images;
  if (v.description) result.description = v.description;
  if (v.base) result.base = v.base;
  if (v.plan && !result.problems.some((p) => p.severity === 'error')) result.plan = v.plan;
  if (v.text) result.text = v.text;
  return result;
}

/**
 * The editor validates on every change: a data file is parsed again only when its size or modification
 * time changed. Two entries: the data and, say, a second experiment's.
 */
const imageCheckCache = new Map<string, { file: string; problem: string }[]>();
const tableCache = new Map<string, { mtimeMs: number; size: number; table: Table }>();
const TABLE_CACHE_SIZE = 2;

async function readTableCached(file: string): Promise<Table> {
  const s = await stat(file);
  const hit = tableCache.get(file);
  if (hit && hit.mtimeMs === s.mtimeMs && hit.size === s.size) {
    tableCache.delete(file);
    tableCache.set(file, hit);
    return hit.table;
  }
  const table = await readTable(file);
  tableCache.delete(file);
  tableCache.set(file, { mtimeMs: s.mtimeMs, size: s.size, table });
  while (tableCache.size > TABLE_CACHE_SIZE) tableCache.delete(tableCache.keys().next().value as string);
  return table;
}

function sortProblems(problems: Problem[]): Problem[] {
  return problems.sort((a, b) => (a.file === undefined ? 0 : 1) - (b.file === undefined ? 0 : 1) || a.offset - b.offset);
}

class SpecValidator {
  table?: Table;
  images?: ImageFolder;
  description?: DataDescription;
  base?: BaseModel;
  plan?: Plan;
  text?: TextData;
  private readonly textSetup?: TextSetup;
  /** Rows left once missing values are handled, and the source lines of the first few (for messages). */
  private usable?: { rows: number; lines: number[] };
  private readonly dir: string;

  constructor(
    readonly specPath: string,
    readonly spec: Spec,
    readonly r: Reporter,
    readonly opts: ValidateOptions,
  ) {
    this.dir = dirname(resolve(specPath));
    this.textSetup = textSetupOf(spec);
  }

  async run(): Promise<void> {
    await this.loadData();
    if (this.refuseUnsupported()) return;
    await this.loadBase();
    this.checkKindOfLearning();
    this.checkTextTask();
    if (this.table && this.textSetup) this.checkText(this.table, this.textSetup);
    else if (this.table) this.checkColumns(this.table);
    if (this.images) this.checkImages(this.images);
    this.describe();
    this.checkLayers();
    this.checkTraining();
    await this.checkPredict();
    this.makePlan();
    this.checkMemory();
  }

  /** Fields of format 1.1 that are not implemented yet (unsupported.ts): one error each, then stop. */
  private refuseUnsupported(): boolean {
    const used = UNSUPPORTED.filter((f) => f.used(this.spec, { imageFolder: this.images !== undefined }));
    for (const f of used) this.r.error(f.path, unsupportedMessage(f), f.key ? 'key' : 'value');
    return used.length > 0;
  }

  private makePlan(): void {
    const description = this.description;
    if (!description || this.hasErrors()) return;
    const usableRows = this.usable?.rows ?? description.rowCount;
    try {
      this.plan = makePlan(this.spec, {
        name: this.spec.name ?? nameFromPath(this.specPath),
        description,
        usableRows,
        base: this.base,
        layerContext: this.layerContext(),
        ...this.planText(),
      });
    } catch (e) {
      // checkLayers reports the same with the range of the layer at fault; this is the fallback.
      if (e instanceof PlanError) this.r.error(['model', 'layers'], e.message);
      else throw e;
    }
  }

  /** Derived layer options: the embedding's inputDim (token ids), repeatVector's n (target positions). */
  private layerContext(): LayerContext | undefined {
    const t = this.text;
    if (!t) return undefined;
    const ctx: LayerContext = { vocabularySize: idCount(t.text) };
    if (t.targetText) ctx.targetLength = t.targetText.maxLength;
    return ctx;
  }

  private planText(): { text?: PlanText; targetText?: PlanText } {
    const t = this.text;
    if (!t) return {};
    const of = (e: TextEncoding): PlanText => ({ column: e.column, tokens: e.tokens, lowercase: e.lowercase, maxLength: e.maxLength, ids: idCount(e) });
    return t.targetText ? { text: of(t.text), targetText: of(t.targetText) } : { text: of(t.text) };
  }

  /** "task": "sequence" reads a text and writes one; "targetText" belongs to it. */
  private checkTextTask(): void {
    const d = this.spec.data;
    if (this.spec.task === 'sequence' && d.text === undefined) {
      this.r.error(['task'], 'a sequence task predicts a text from a text: add "text": "<input column>" to "data" (and "targetText" for the target\'s tokens)');
    }
    if (d.targetText !== undefined && this.spec.task !== 'sequence') {
      this.r.error(['data', 'targetText'], '"targetText" is for a sequence task: add "task": "sequence", or remove "targetText"', 'key');
    }
    if (d.text !== undefined && this.images) this.r.error(['data', 'text'], 'an image folder has no text column', 'key');
  }

  /** A text input: its column holds text, the target exists, and the vocabulary is fitted on the training rows. */
  private checkText(table: Table, setup: TextSetup): void {
    const d = this.spec.data;
    const textPath: JsonPath = typeof d.text === 'string' ? ['data', 'text'] : ['data', 'text', 'column'];
    if (d.features !== undefined) {
      this.r.error(['data', 'features'], `with "text", the text column "${setup.column}" is the input: remove "features"`, 'key');
    }
    if (d.target === undefined || Array.isArray(d.target)) {
      this.r.error(d.target === undefined ? ['data'] : ['data', 'target'], 'a text experiment needs one "target" column (the class, or the target text)');
      return;
    }
    const cols = table.columns;
    let ok = true;
    for (const [name, path] of [[setup.column, textPath], [d.target, ['data', 'target']]] as [string, JsonPath][]) {
      if (!cols.includes(name)) {
        this.r.error(path, `no column "${name}" in the data${didYouMean(name, cols)} (columns: ${cols.join(', ')})`);
        ok = false;
      }
    }
    if (!ok) return;
    if (setup.column === d.target) {
      this.r.error(['data', 'target'], `"${d.target}" is the text column; the target must be another column`);
      return;
    }
    try {
      this.text = prepareTextData(table, {
        column: setup.column,
        settings: setup.settings,
        target: d.target,
        targetText: setup.targetText,
        validationSplit: d.validationSplit ?? DEFAULTS.validationSplit,
        shuffle: d.shuffle ?? DEFAULTS.shuffle,
        seed: this.opts.seed ?? this.spec.training?.seed ?? 0,
        missing: d.missing ?? DEFAULTS.missing,
      });
    } catch (e) {
      if (e instanceof DataError) this.r.dataError(/data\.text/.test(e.detail) ? textPath : ['data', 'source'], e);
      else throw e;
      return;
    }
    const lines = this.text.kept.slice(0, USABLE_LINES_SHOWN + 1).map((i) => table.lines[i]);
    this.usable = { rows: this.text.n, lines };
  }

  /**
   * Autoencoders, clusters, data.label and pseudo-labels (format, "Kinds of learning"): the checks that need
   * the data are here too, so that nothing trains (and no run folder appears) for a spec they refuse.
   */
  private checkKindOfLearning(): void {
    const d = this.spec.data;
    const autoencoder = this.spec.task === 'autoencoder';
    if (autoencoder && d.target !== undefined) {
      this.r.error(['data', 'target'], 'an autoencoder has no target: it learns to reproduce its input. Remove "target" (to colour plots and score clusters by a column, name it in "label")', 'key');
    }
    const clusters = this.spec.model.clusters;
    if (clusters !== undefined && !autoencoder) {
      this.r.error(['model', 'clusters'], '"clusters" groups the codes of an autoencoder: it needs "task": "autoencoder"', 'key');
    }
    const rows = this.table?.rows.length ?? this.images?.files.length;
    if (clusters !== undefined && rows !== undefined && clusters > rows) {
      this.r.error(['model', 'clusters'], `${clusters} clusters, but the data has only ${rows} rows: each cluster needs at least one`);
    }
    const pseudo = this.spec.training?.pseudoLabels;
    if (pseudo !== undefined) {
      const path: JsonPath = ['training', 'pseudoLabels'];
      if (this.spec.task === 'regression' || autoencoder) {
        this.r.error(path, `pseudo-labels adopt confident class predictions: they need a classification, not ${autoencoder ? 'an autoencoder' : 'a regression'}`, 'key');
      } else if (this.images) {
        this.r.error(path, 'an image folder has a label (its sub-folder) for every image, so there are no unlabelled rows to adopt', 'key');
      } else if (this.table) {
        const targets = targetColumns(this.spec);
        const unlabelled = this.table.rows.filter((row) => targets.some((t) => isMissing(row[t]))).length;
        if (unlabelled === 0 && targets.every((t) => this.table?.columns.includes(t))) {
          this.r.error(path, `every row has a value in "${targets.join('", "')}", so there are no unlabelled rows to adopt; leave the target empty (or NA) in the rows without a label`, 'key');
        }
      }
    }
    const label = d.label;
    if (label !== undefined) {
      if (targetColumns(this.spec).includes(label)) this.r.error(['data', 'label'], `"${label}" is the target; the label is a column kept aside, neither input nor target`);
      else if (d.features?.includes(label)) this.r.error(['data', 'label'], `"${label}" is listed in "features"; the label is kept aside and never an input`);
      // For an image folder the label is the sub-folder, and "label" only names it (as "target" does).
      else if (this.table && !this.table.columns.includes(label)) this.r.error(['data', 'label'], `no column "${label}" in the data${didYouMean(label, this.table.columns)}`);
    }
  }

  /**
   * A path named in the spec, resolved; undefined (and reported) if, in an untrusted workspace, its real
   * location is outside the workspace folder (or the spec's folder, when the spec is in no workspace folder).
   */
  private resolvePath(p: string, path: JsonPath): string | undefined {
    const abs = resolve(this.dir, p);
    if (this.opts.trusted === true) return abs;
    const root = this.opts.workspaceRoot ?? this.dir;
    if (!isContained(root, abs)) {
      const where = this.opts.workspaceRoot !== undefined ? 'the workspace folder' : "the spec's folder (no workspace folder is open)";
      const viaLink = !relative(root, abs).startsWith('..') && !isAbsolute(relative(root, abs));
      this.r.error(path, `"${p}" is outside ${where}${viaLink ? ' (a symbolic link leads out of it)' : ''}; paths outside it are allowed only in a trusted workspace`);
      return undefined;
    }
    return abs;
  }

  // ---- data ------------------------------------------------------------------------------------------

  private async loadData(): Promise<void> {
    const d = this.spec.data;
    // The parser has made sure exactly one of source and rows is given.
    if (d.rows !== undefined) {
      const items = this.r.node(['data', 'rows']).children ?? [];
      const lines = d.rows.map((_, i) => this.r.sink.position(items[i]?.offset ?? 0).line);
      this.table = tableFromRows(d.rows, this.specPath, lines);
      return;
    }
    const source = d.source as string;
    const abs = this.resolvePath(source, ['data', 'source']);
    if (!abs) return;
    const kind = await kindOf(abs);
    if (!kind) {
      this.r.error(['data', 'source'], `data source "${source}" not found (looked for ${abs})`);
      return;
    }
    try {
      if (kind === 'dir') {
        this.images = await listImageFolder(abs);
        await this.checkImageFiles(this.images);
      }
      else {
        this.table = await readTableCached(abs);
        if (this.table.encoding) {
          this.r.warn(
            ['data', 'source'],
            `"${source}" is not UTF-8 (from line ${this.table.encoding.line}); it is read as Windows-1252 (Latin-1). Save it as UTF-8 to be sure every character is read as meant`,
          );
        }
      }
    } catch (e) {
      if (e instanceof DataError) this.r.dataError(['data', 'source'], e);
      else this.r.error(['data', 'source'], `cannot read "${source}": ${(e as Error).message}`);
    }
  }

  /** Truncated or oversized images fail validation, not training (files found good are not read again while the folder's listing is unchanged). */
  private async checkImageFiles(images: ImageFolder): Promise<void> {
    let files = images.files.map((f) => f.path);
    if (this.opts.trusted !== true) {
      // An image that is a link out of the workspace is not read, not even its header.
      const root = this.opts.workspaceRoot ?? this.dir;
      const out = files.filter((f) => !isContained(root, f));
      if (out.length) {
        this.r.error(['data', 'source'], `${relative(images.dir, out[0])}${out.length > 1 ? ` (and ${out.length - 1} more)` : ''} is a link to a file outside the workspace folder; allowed only in a trusted workspace`);
        const refused = new Set(out);
        files = files.filter((f) => !refused.has(f));
      }
    }
    const key = `${images.dir}\0${files.length}\0${files[0]}\0${files[files.length - 1]}`;
    // Same listing as last time: only the files that were bad are read again (so fixing one shows at once).
    const cached = imageCheckCache.get(key);
    const bad = await checkImageFiles(cached ? cached.map((b) => b.file) : files);
    imageCheckCache.clear();
    imageCheckCache.set(key, bad);
    if (bad.length === 0) return;
    const first = bad[0];
    const more = bad.length > 1 ? ` (and ${bad.length - 1} more: ${bad.slice(1, 4).map((b) => relative(images.dir, b.file)).join(', ')}${bad.length > 4 ? ', ...' : ''})` : '';
    this.r.error(['data', 'source'], `${relative(images.dir, first.file)}: ${first.problem}${more}`);
  }

  private whereIs(table: Table, rowIndex: number): string {
    const line = table.lines[rowIndex];
    return table.file === this.specPath ? `row ${rowIndex + 1} (line ${line})` : `line ${line} of ${basename(table.file)}`;
  }

  private checkColumns(table: Table): void {
    const d = this.spec.data;
    const cols = table.columns;
    const known = new Set(cols);
    const listed = cols.length > 12 ? `${cols.slice(0, 12).join(', ')}, ... (${cols.length} columns)` : cols.join(', ');
    const missingColumn = (name: string, path: JsonPath) =>
      this.r.error(path, `no column "${name}" in the data${didYouMean(name, cols)} (columns: ${listed})`);
    let ok = true;
    const targets = targetColumns(this.spec);
    if (d.target === undefined && this.spec.task !== 'autoencoder') {
      this.r.error(['data'], 'data needs "target" (the column to predict), or "task": "autoencoder" to learn without one');
      return;
    }
    targets.forEach((t, i) => {
      if (!known.has(t)) {
        missingColumn(t, Array.isArray(d.target) ? ['data', 'target', i] : ['data', 'target']);
        ok = false;
      }
    });
    d.features?.forEach((f, i) => {
      if (!known.has(f)) {
        missingColumn(f, ['data', 'features', i]);
        ok = false;
      } else if (targets.includes(f)) {
        this.r.error(['data', 'features', i], `"${f}" is the target; a column cannot be both the target and a feature`);
        ok = false;
      }
    });
    d.ignore?.forEach((f, i) => {
      if (!known.has(f)) this.r.warn(['data', 'ignore', i], `no column "${f}" to ignore${didYouMean(f, cols)}`);
      else if (d.features?.includes(f)) this.r.error(['data', 'ignore', i], `"${f}" is listed both in "features" and in "ignore"`);
    });
    if (!ok) return;
    const features = featureColumns(this.spec, cols);
    if (features.length === 0) {
      this.r.error(['data'], 'no feature columns are left: the data needs at least one column besides the target and the ignored ones');
      return;
    }
    if (table.rows.length === 0) {
      this.r.error(['data', d.rows ? 'rows' : 'source'], 'the data has no rows');
      return;
    }
    const featurePath = (c: string): JsonPath => (d.features ? ['data', 'features', d.features.indexOf(c)] : ['data', d.rows ? 'rows' : 'source']);
    for (const c of features) {
      const values = presentValues(table, c);
      const texts = values.filter((x) => typeof x === 'string') as string[];
      // A column mostly of numbers with some text is the mixed-column rule's (src/data/checks.ts).
      if (texts.length > 0 && !firstNonNumber(table, c)) {
        const categories = new Set(values.map(String)).size;
        if (categories > MANY_CATEGORIES) {
          this.r.warn(featurePath(c), `text column "${c}" has ${categories} distinct values: one-hot encoding makes ${categories} inputs of it`);
        }
      }
      if (values.length === 0) this.r.error(featurePath(c), `column "${c}" has no values at all`);
    }
    // With pseudo-labels, a missing target makes a row unlabelled, not incomplete.
    const used = this.spec.training?.pseudoLabels ? features : [...features, ...targets];
    const missingPolicy = d.missing ?? DEFAULTS.missing;
    let complete = 0;
    let firstMissing: { row: number; col: string } | undefined;
    const usable = { rows: 0, lines: [] as number[] };
    table.rows.forEach((row, i) => {
      const gap = used.find((c) => isMissing(row[c]));
      if (gap === undefined) complete++;
      else if (!firstMissing) firstMissing = { row: i, col: gap };
      // As the trainer keeps them (data/preprocess.ts): "drop" loses incomplete rows, "mean" only those without a target.
      const kept = missingPolicy === 'drop' ? gap === undefined : !targets.some((c) => isMissing(row[c]));
      if (kept) {
        usable.rows++;
        if (usable.lines.length < USABLE_LINES_SHOWN + 1) usable.lines.push(table.lines[i]);
      }
    });
    this.usable = usable;
    if (firstMissing && missingPolicy === 'error') {
      this.r.error(
        d.missing !== undefined ? ['data', 'missing'] : ['data'],
        `"missing" is "error", but column "${firstMissing.col}" has no value at ${this.whereIs(table, firstMissing.row)}`,
      );
    }
    if (missingPolicy === 'drop' && complete === 0) {
      this.r.error(['data', d.rows ? 'rows' : 'source'], 'every row misses a value in a feature or the target, so "missing": "drop" leaves nothing to train on');
    }
    for (const t of targets) {
      if (presentValues(table, t).length === 0) this.r.error(Array.isArray(d.target) ? ['data', 'target', targets.indexOf(t)] : ['data', 'target'], `target column "${t}" has no values`);
    }
  }

  private checkImages(images: ImageFolder): void {
    const d = this.spec.data;
    if (!d.image) {
      this.r.error(['data'], 'an image folder needs "image": { "width": 28, "height": 28, "channels": 1 } (the size every image is resized to)');
    }
    if (d.features) this.r.warn(['data', 'features'], 'an image folder has no columns: "features" is ignored', 'key');
    if (d.ignore) this.r.warn(['data', 'ignore'], 'an image folder has no columns: "ignore" is ignored', 'key');
    if (this.spec.task === 'regression') this.r.error(['task'], 'an image folder is a classification (one sub-folder per class), not a regression');
    if (images.classes.length < 2) {
      this.r.error(['data', 'source'], `an image folder needs at least 2 class sub-folders; found only "${images.classes[0]}"`);
    }
    for (const f of images.emptyFolders) this.r.warn(['data', 'source'], `sub-folder "${f}" holds no .png or .jpg images and is not a class`);
  }

  private describe(): void {
    const data = this.table ?? this.images;
    if (!data || this.hasErrors()) return;
    try {
      this.description = describeData(this.spec, data, this.text);
    } catch (e) {
      if (e instanceof DataError) this.r.dataError(['data', 'source'], e);
      else throw e;
      return;
    }
    if (this.table && !this.reportDataChecks(this.table, this.description)) return;
    this.checkTask(this.description);
  }

  /** The data checks (src/data/checks.ts), each on its spec line; false when one is an error. */
  private reportDataChecks(table: Table, desc: DataDescription): boolean {
    const d = this.spec.data;
    const findings = checkData(table, this.spec, {
      features: desc.features.map((f) => f.column),
      targets: desc.target,
      task: desc.task,
      validationSplit: d.validationSplit ?? DEFAULTS.validationSplit,
      shuffle: d.shuffle ?? DEFAULTS.shuffle,
      missing: d.missing ?? DEFAULTS.missing,
      seed: this.spec.training?.seed,
    });
    const source: JsonPath = ['data', d.rows ? 'rows' : 'source'];
    for (const f of findings) {
      const p = f.place;
      const path: JsonPath =
        p.kind === 'feature'
          ? d.features?.includes(p.column) ? ['data', 'features', d.features.indexOf(p.column)] : source
          : p.kind === 'target'
            ? Array.isArray(d.target) ? ['data', 'target', 0] : ['data', 'target']
            : p.kind === 'categorical'
              ? ['data', 'categorical', p.index]
              : d.validationSplit !== undefined ? ['data', 'validationSplit'] : ['data'];
      if (f.row !== undefined && table.file !== this.specPath) this.r.dataFinding(path, f.message, f.severity, table.file, table.lines[f.row]);
      else this.r.report(path, f.message, f.severity);
    }
    return !findings.some((f) => f.severity === 'error');
  }

  private hasErrors(): boolean {
    return this.r.sink.problems.some((p) => p.severity === 'error');
  }

  private checkTask(desc: DataDescription): void {
    const table = this.table;
    const targetPath: JsonPath = ['data', 'target'];
    const taskPath: JsonPath = this.spec.task !== undefined ? ['task'] : targetPath;
    if (!table || desc.task === 'sequence' || desc.task === 'autoencoder') return;
    if (desc.target.length > 1 && desc.task === 'classification') {
      this.r.error(taskPath, 'a list of target columns is a multi-output regression; classification takes one target column');
      return;
    }
    if (desc.task === 'regression') {
      desc.target.forEach((t, k) => {
        const i = table.rows.findIndex((row) => typeof row[t] === 'string' || typeof row[t] === 'boolean');
        if (i >= 0) {
          this.r.error(
            desc.target.length > 1 ? ['data', 'target', k] : taskPath,
            `regression needs a numeric target, but "${t}" holds ${JSON.stringify(table.rows[i][t])} at ${this.whereIs(table, i)}`,
          );
        }
      });
      return;
    }
    const classes = desc.classNames ?? [];
    if (classes.length < 2) {
      this.r.error(targetPath, `target "${desc.target[0]}" has only ${classes.length === 1 ? `one class ("${classes[0]}")` : 'no values'}; classification needs at least 2`);
    } else if (classes.length > MANY_CLASSES) {
      this.r.warn(
        taskPath,
        `target "${desc.target[0]}" has ${classes.length} distinct values, so classification makes ${classes.length} output units; is this a regression ("task": "regression")?`,
      );
    }
  }

  // ---- model -----------------------------------------------------------------------------------------

  private async loadBase(): Promise<void> {
    const m = this.spec.model;
    if (m.from === undefined) {
      if (m.freeze !== undefined) this.r.warn(['model', 'freeze'], '"freeze" has no effect without "from" (a trained run to start from)', 'key');
      return;
    }
    const abs = this.resolvePath(m.from, ['model', 'from']);
    if (!abs) return;
    const kind = await kindOf(abs);
    if (kind !== 'dir') {
      this.r.error(['model', 'from'], `run folder "${m.from}" not found (looked for ${abs})`);
      return;
    }
    if ((await kindOf(resolve(abs, 'model', 'model.json'))) !== 'file') {
      this.r.error(['model', 'from'], `"${m.from}" has no model/model.json: is it a completed run folder?`);
      return;
    }
    try {
      this.base = await readBaseModel(abs);
    } catch (e) {
      if (e instanceof BaseModelError) this.r.error(['model', 'from'], e.message);
      else this.r.error(['model', 'from'], `cannot read the base model: ${(e as Error).message}`);
      return;
    }
    if (m.freeze !== undefined && m.freeze > this.base.layers.length) {
      this.r.error(
        ['model', 'freeze'],
        `"freeze" is ${m.freeze}, but the base model has ${this.base.layers.length} layers before its output layer (which is replaced)`,
      );
    }
  }

  private checkLayers(): void {
    const layers = this.spec.model.layers;
    const desc = this.description;
    const base = this.base;
    layers.forEach((l, i) => {
      if (l.type === 'embedding' && (i > 0 || (base && base.layers.length > 0))) {
        this.r.error(['model', 'layers', i, 'type'], 'embedding must be the first layer: it turns the token ids of the data into vectors');
      }
    });
    if (this.textSetup && !base && layers[0]?.type !== 'embedding') {
      this.r.error(
        layers.length ? ['model', 'layers', 0, 'type'] : ['model', 'layers'],
        'a text input is a sequence of token ids: the first layer must be { "type": "embedding", "outputDim": 16 } (its inputDim is derived from the vocabulary)',
      );
      return;
    }
    if (layers[0]?.type === 'embedding' && !base && !this.textSetup) this.checkEmbedding();
    if (!desc) return;
    const baseLayers = base?.layers ?? [];
    let input = desc.inputShape;
    if (base) {
      const want = base.preprocess.inputShape;
      if (want.join(',') !== input.join(',')) {
        this.r.error(['model', 'from'], `the base model takes input [${want.join(', ')}], but this data gives [${input.join(', ')}]`);
        return;
      }
      input = want;
    }
    const shapes = inferShapes(input, [...baseLayers, ...layers], this.layerContext());
    if (shapes.issue) {
      const k = shapes.issue.index - baseLayers.length;
      if (k < 0) {
        this.r.error(['model', 'from'], `base model layer ${shapes.issue.index + 1}: ${shapes.issue.message}`);
      } else {
        const opt = shapes.issue.option;
        if (opt && layers[k][opt] !== undefined) this.r.error(['model', 'layers', k, opt], shapes.issue.message);
        else this.r.error(['model', 'layers', k, 'type'], shapes.issue.message);
      }
      return;
    }
    const positions = this.text?.targetText?.maxLength;
    const why = desc.task === 'sequence'
      ? sequenceOutputIssue(shapes.outputShape ?? input, positions ?? 0)
      : desc.task === 'autoencoder'
        ? autoencoderOutputIssue(input, shapes.outputShape ?? input)
        : outputIssue(shapes.outputShape ?? input);
    if (why) {
      if (layers.length > 0) this.r.error(['model', 'layers', layers.length - 1, 'type'], why);
      else this.r.error(['model', 'layers'], why);
      return;
    }
  }

  /** A model whose parameters or activations cannot fit in the trainer's memory is said so before training. */
  private checkMemory(): void {
    const plan = this.plan;
    if (!plan) return;
    const m = trainingMemory(plan.layers, plan.batchSize);
    if (m.total <= TRAINER_MEMORY_BYTES) return;
    const where: JsonPath = m.activationBytes > m.paramBytes && this.spec.training?.batchSize !== undefined ? ['training', 'batchSize'] : ['model', 'layers'];
    this.r.warn(
      where,
      `this model will not fit in memory: ${describeMemory(m, plan.batchSize)}, more than the ${formatBytes(TRAINER_MEMORY_BYTES)} the trainer can hold; use fewer units or filters, or a smaller batchSize`,
      'key',
    );
  }

  private checkEmbedding(): void {
    const table = this.table;
    const layer = this.spec.model.layers[0];
    const d = this.spec.data;
    if ((d.normalize ?? DEFAULTS.normalize) !== 'none') {
      this.r.error(
        d.normalize !== undefined ? ['data', 'normalize'] : ['model', 'layers', 0, 'type'],
        'an embedding reads token ids, which must not be normalized: set "data": { "normalize": "none" }',
      );
    }
    if (!table || !this.description || layer.inputDim === undefined) return;
    for (const f of this.description.features) {
      if (f.kind !== 'numeric') {
        this.r.error(['model', 'layers', 0, 'type'], `an embedding needs integer token ids, but column "${f.column}" holds text`);
        return;
      }
      const i = table.rows.findIndex((row) => {
        const x = row[f.column];
        return typeof x === 'number' && (!Number.isInteger(x) || x < 0 || x >= (layer.inputDim as number));
      });
      if (i >= 0) {
        this.r.error(
          ['model', 'layers', 0, 'inputDim'],
          `token ids must be whole numbers from 0 to inputDim - 1 (${layer.inputDim - 1}), but column "${f.column}" holds ${String(table.rows[i][f.column])} at ${this.whereIs(table, i)}`,
        );
        return;
      }
    }
  }

  // ---- training --------------------------------------------------------------------------------------

  private checkTraining(): void {
    const t = this.spec.training ?? {};
    if (typeof t.optimizer === 'object' && t.optimizer.learningRate !== undefined && t.learningRate !== undefined) {
      this.r.warn(['training', 'learningRate'], `both "learningRate" and "optimizer.learningRate" are given; ${t.optimizer.learningRate} (the optimizer's) is used`, 'key');
    }
    const desc = this.description;
    const split = this.spec.data.validationSplit ?? DEFAULTS.validationSplit;
    if (desc) {
      const all = desc.rowCount;
      const rows = this.usable?.rows ?? all;
      const { train, validation } = splitCounts(rows, split);
      const dropped = all - rows;
      const droppedText = dropped > 0 ? `after ${dropped} of the ${all} rows are dropped for missing values, ` : '';
      if (split > 0 && validation === 0 && rows > 0) {
        this.r.warn(this.spec.data.validationSplit !== undefined ? ['data', 'validationSplit'] : ['data'], `${droppedText}with ${rows} rows, a validationSplit of ${split} leaves no validation rows`);
      }
      if (train < 1) this.r.error(['data'], `no rows are left for training (${rows} rows, validationSplit ${split})`);
      if (t.batchSize !== undefined && t.batchSize > train && train >= 1) {
        const which = dropped > 0 ? ` (${this.rowsLeft()})` : '';
        this.r.warn(
          ['training', 'batchSize'],
          `${droppedText}validationSplit ${split} leaves ${train} training ${train === 1 ? 'row' : 'rows'}${which}, fewer than batchSize ${t.batchSize}: each epoch is one batch`,
        );
      }
      this.checkLossAndOutput(desc);
    }
    this.checkMetrics(desc);
    this.checkEarlyStopping(desc, split);
  }

  /** The rows that survive missing values, by source line: "lines 4, 8, 11 of data.csv". */
  private rowsLeft(): string {
    const u = this.usable;
    const table = this.table;
    if (!u || !table) return '';
    const shown = u.lines.slice(0, USABLE_LINES_SHOWN).join(', ');
    const more = u.rows > USABLE_LINES_SHOWN ? `, ... (${u.rows} rows)` : '';
    const where = table.file === this.specPath ? 'of this file' : `of ${basename(table.file)}`;
    return `${u.rows === 1 ? 'the one row left is line' : `the ${u.rows} rows left are lines`} ${shown}${more} ${where}, before the validation split`;
  }

  private checkLossAndOutput(desc: DataDescription): void {
    // An autoencoder's output activation and loss may be anything that compares values with values.
    if (desc.task === 'autoencoder') return;
    const loss = this.spec.training?.loss;
    if (desc.task === 'sequence') {
      if (loss !== undefined && loss !== 'sparseCategoricalCrossentropy') {
        this.r.error(['training', 'loss'], `a sequence task picks a token at every position: its loss is sparseCategoricalCrossentropy, not ${loss}`);
      }
      return;
    }
    const classes = desc.classNames?.length ?? 0;
    const out = derivedOutput(desc.task, classes, desc.target.length, loss);
    const lossPath: JsonPath = ['training', 'loss'];
    if (loss !== undefined) {
      if (desc.task === 'regression' && CLASSIFICATION_LOSSES.has(loss)) {
        this.r.error(lossPath, `${loss} is a classification loss, but this experiment is a regression (target "${desc.target.join('", "')}" is numeric); use meanSquaredError, meanAbsoluteError or huberLoss`);
      } else if (desc.task === 'classification') {
        if (!CLASSIFICATION_LOSSES.has(loss)) {
          const better = derivedOutput(desc.task, classes, desc.target.length).loss;
          this.r.warn(lossPath, `${loss} is a regression loss; a classification learns better with ${better}`);
        } else if (classes > 2 && loss === 'binaryCrossentropy') {
          this.r.warn(lossPath, `with ${classes} classes, categoricalCrossentropy matches the softmax output; binaryCrossentropy scores each class separately`);
        }
      }
    }
    const act = this.spec.model.output?.activation;
    if (act === undefined || act === out.activation) return;
    const actPath: JsonPath = ['model', 'output', 'activation'];
    if (desc.task === 'classification' && out.units === 1) {
      this.r.warn(
        actPath,
        act === 'softmax'
          ? 'with 2 classes the output is a single unit, and softmax over one unit always gives 1; the default sigmoid gives the probability of the second class'
          : `with 2 classes the output unit should give a probability: sigmoid (the default), not ${act}`,
      );
    } else if (desc.task === 'classification') {
      this.r.warn(
        actPath,
        act === 'sigmoid'
          ? `sigmoid scores each of the ${classes} output units separately, so the probabilities do not add up to 1; softmax is the default`
          : `the ${out.units} output units should give class probabilities: softmax (the default), not ${act}`,
      );
    } else {
      this.r.warn(actPath, `regression targets are scaled to mean 0 and standard deviation 1 for training, so the output is usually linear (the default); ${act} limits what it can predict`);
    }
  }

  private checkMetrics(desc: DataDescription | undefined): void {
    const metrics = this.spec.training?.metrics;
    const task = this.spec.task ?? desc?.task;
    if (!metrics || !task) return;
    const classes = desc?.classNames?.length ?? 0;
    metrics.forEach((m: MetricName, i) => {
      const path: JsonPath = ['training', 'metrics', i];
      const sequenceMetric = m === 'tokenAccuracy' || m === 'sequenceAccuracy';
      if (task === 'sequence' && !sequenceMetric) {
        this.r.error(path, `a sequence task is measured by tokenAccuracy and sequenceAccuracy, not ${m}`);
      } else if (task !== 'sequence' && sequenceMetric) {
        this.r.error(path, `${m} measures a predicted text; it needs "task": "sequence"`);
      } else if ((task === 'regression' || task === 'autoencoder') && (m === 'accuracy' || m === 'precision' || m === 'recall')) {
        this.r.error(path, `${m} counts right and wrong classes, but this experiment is ${task === 'autoencoder' ? 'an autoencoder (it reproduces values)' : 'a regression'}; use mae or mse`);
      } else if (task === 'classification' && (m === 'precision' || m === 'recall') && classes > 2) {
        this.r.warn(path, `${m} is computed for two classes; with ${classes} classes it is not meaningful`);
      }
    });
  }

  private checkEarlyStopping(desc: DataDescription | undefined, split: number): void {
    const es = this.spec.training?.earlyStopping;
    if (!es || es.monitor === undefined) return;
    const task = this.spec.task ?? desc?.task;
    const metrics = this.spec.training?.metrics ?? (task ? defaultMetrics(task) : []);
    const base = ['loss', ...metrics];
    const allowed = split > 0 ? [...base, ...base.map((m) => `val_${m}`)] : base;
    const path: JsonPath = ['training', 'earlyStopping', 'monitor'];
    if (es.monitor.startsWith('val_') && split === 0 && base.includes(es.monitor.slice(4))) {
      this.r.error(path, `"${es.monitor}" needs validation rows, but validationSplit is 0; monitor "${es.monitor.slice(4)}" or set a validationSplit`);
    } else if (!allowed.includes(es.monitor)) {
      this.r.error(path, `cannot monitor "${es.monitor}"; this experiment records ${allowed.map((a) => `"${a}"`).join(', ')}${didYouMean(es.monitor, allowed)}`);
    }
  }

  // ---- predict ---------------------------------------------------------------------------------------

  /** An image model's inputs name image files: `{ "file": "x.png" }` (or "image", "path", as the engine reads). */
  private async checkImageInputs(inputs: Record<string, unknown>[]): Promise<void> {
    for (let i = 0; i < inputs.length; i++) {
      const path: JsonPath = ['predict', 'inputs', i];
      const key = imageKeyOf(inputs[i]);
      if (!key) {
        this.r.error(path, `predict input ${i + 1} needs "file": "path/to/image.png" (an image model predicts images)`);
        continue;
      }
      const name = inputs[i][key] as string;
      if (!isImageFile(name)) {
        this.r.error([...path, key], `"${name}" is not a .png or .jpg image`);
        continue;
      }
      const abs = this.resolvePath(name, [...path, key]);
      if (abs && (await kindOf(abs)) !== 'file') this.r.error([...path, key], `image "${name}" not found (looked for ${abs})`);
    }
  }

  /** A text model's inputs give the text column: `{ "review": "..." }`. */
  private checkTextInputs(inputs: Record<string, unknown>[], column: string): void {
    inputs.forEach((row, i) => {
      const path: JsonPath = ['predict', 'inputs', i];
      const v = row[column];
      if (v === undefined || v === null) this.r.error(path, `predict input ${i + 1} needs "${column}": the text to predict from`);
      else if (typeof v !== 'string') this.r.error([...path, column], `"${column}" is the text column; give it a text, not ${JSON.stringify(v)}`);
      for (const key of Object.keys(row)) {
        if (key !== column) this.r.warn([...path, key], `"${key}" is not the text column "${column}" and is ignored${didYouMean(key, [column])}`, 'key');
      }
    });
  }

  private async checkPredict(): Promise<void> {
    const p = this.spec.predict;
    if (!p) return;
    if (p.source !== undefined) {
      const abs = this.resolvePath(p.source, ['predict', 'source']);
      if (abs && !(await kindOf(abs))) this.r.error(['predict', 'source'], `"${p.source}" not found (looked for ${abs})`);
      return;
    }
    if (!p.inputs) return;
    if (this.images) {
      await this.checkImageInputs(p.inputs);
      return;
    }
    const desc = this.description;
    if (!desc) return;
    if (this.textSetup) {
      this.checkTextInputs(p.inputs, this.textSetup.column);
      return;
    }
    const features = desc.features;
    const names = features.map((f) => f.column);
    const allowed = new Set([...names, ...desc.target]);
    p.inputs.forEach((row, i) => {
      const path: JsonPath = ['predict', 'inputs', i];
      // With "missing": "mean" the engine fills an absent numeric value with its training mean.
      const fills = (f: (typeof features)[number]) => (this.spec.data.missing ?? DEFAULTS.missing) === 'mean' && f.kind === 'numeric';
      const lacking = features.filter((f) => !fills(f) && (!(f.column in row) || row[f.column] === null)).map((f) => f.column);
      if (lacking.length > 0) {
        this.r.error(path, `predict input ${i + 1} lacks ${lacking.map((n) => `"${n}"`).join(', ')}; it needs every feature: ${names.join(', ')}`);
      }
      for (const key of Object.keys(row)) {
        if (!allowed.has(key)) this.r.warn([...path, key], `"${key}" is not a feature and is ignored${didYouMean(key, names)}`, 'key');
      }
      for (const f of features) {
        const value = row[f.column];
        if (value === undefined || value === null) continue;
        if (f.kind === 'numeric' && typeof value !== 'number' && typeof value !== 'boolean') {
          const n = typeof value === 'string' ? Number(value.trim()) : NaN;
          if (!Number.isFinite(n) || (value as string).trim() === '') this.r.error([...path, f.column], `"${f.column}" is a numeric feature; got ${JSON.stringify(value)}`);
        } else if (f.kind === 'onehot' && !(f.categories ?? []).includes(String(value))) {
          this.r.warn(
            [...path, f.column],
            `${JSON.stringify(value)} never occurs in column "${f.column}" of the training data (${(f.categories ?? []).slice(0, 8).join(', ')}${(f.categories?.length ?? 0) > 8 ? ', ...' : ''})${didYouMean(String(value), f.categories ?? [])}`,
          );
        }
      }
    });
  }
}

/** A sequence task's last hidden layer must give one vector per target position. */
function sequenceOutputIssue(shape: readonly number[], positions: number): string | undefined {
  const fix = `add { "type": "repeatVector" } (its n is derived: ${positions}, the target's maxLength) after the encoder, then an RNN with "returnSequences": true, e.g. { "type": "lstm", "units": 64, "returnSequences": true }`;
  if (shape.length !== 2) return `a sequence task needs one vector per output position (${positions} positions), but the last layer gives [${shape.join(', ')}]: ${fix}`;
  if (shape[0] !== positions) return `a sequence task needs one vector per output position, ${positions} of them, but the last layer gives ${shape[0]}: ${fix}`;
  return undefined;
}
