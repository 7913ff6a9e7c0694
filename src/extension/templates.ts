// Starting points for "New experiment": the files each template writes (a spec and, where it needs one, a
// sample data set). Pure (no vscode), so every template is checked by the unit tests against the parser.
// Sample data is generated from a fixed seed: the same template always writes the same bytes.
import * as path from 'node:path';
import { PNG } from 'pngjs';
import { mulberry32 } from '../data/split';

export type TemplateId = 'course' | 'classification' | 'regression' | 'image-cnn' | 'text' | 'autoencoder' | 'pseudo-labels' | 'transfer';

export interface TemplateInfo {
  id: TemplateId;
  label: string;
  detail: string;
  /** Default experiment name (the spec file is `<name>.dlmodel.json`). */
  defaultName: string;
}

export const TEMPLATES: TemplateInfo[] = [
  { id: 'course', label: 'Course notes: 2 inputs, 2 hidden neurons, 1 output', detail: 'Man or woman from weight and height: the 9-parameter network of the course, with its data inline', defaultName: 'person' },
  { id: 'classification', label: 'Tabular classification (CSV)', detail: 'Fruit from weight, diameter and colour: numbers and a one-hot text column, softmax output', defaultName: 'fruit' },
  { id: 'regression', label: 'Regression (CSV)', detail: 'Flat rent from size, rooms and district: one linear output in the target\'s units', defaultName: 'rent' },
  { id: 'image-cnn', label: 'Image folder, convolutional network', detail: 'Stripes: 16x16 grey PNGs in one folder per class; images as pixel matrices, conv2d + pooling', defaultName: 'stripes' },
  { id: 'text', label: 'Text classification (CSV)', detail: 'Review sentiment: each review becomes word ids, an embedding and an LSTM read them', defaultName: 'reviews' },
  { id: 'autoencoder', label: 'Autoencoder: clusters and anomalies (CSV)', detail: 'Machine sensor readings without a target: a code of 2 values, k-means clusters, and a reconstruction error that flags odd readings', defaultName: 'sensors' },
  { id: 'pseudo-labels', label: 'Semi-supervised: pseudo-labels (CSV)', detail: 'Fruit where most rows have no label: each round adopts the confident predictions and trains again', defaultName: 'fruit-unlabelled' },
  { id: 'transfer', label: 'Transfer learning from a trained run', detail: 'Reuse the layers of a completed run (the first ones frozen) and train a new output on top', defaultName: 'transfer' },
];

export interface TemplateFile {
  /** Relative to the folder the experiment is created in. */
  path: string;
  content: string | Uint8Array;
}

export interface TemplateOptions {
  /** For `transfer`: the run folder to start from, relative to the new spec's folder, and its spec. */
  from?: { runDir: string; dataSource?: string; rows?: Record<string, unknown>[]; target?: string | string[]; hiddenLayers: number; image?: { width: number; height: number; channels: number } };
}

/** The files of template `id` for an experiment called `name`; the spec is the first file. */
export function templateFiles(id: TemplateId, name: string, opts: TemplateOptions = {}): TemplateFile[] {
  switch (id) {
    case 'course': return course(name);
    case 'classification': return classification(name);
    case 'regression': return regression(name);
    case 'image-cnn': return imageCnn(name);
    case 'text': return text(name);
    case 'autoencoder': return autoencoder(name);
    case 'pseudo-labels': return pseudoLabels(name);
    case 'transfer': return transfer(name, opts);
  }
}

export function specFileName(name: string): string {
  return `${name}.dlmodel.json`;
}

/** A safe file name from what the user typed: letters, digits, dash, underscore and dot. */
export function sanitizeName(input: string): string {
  return input.trim().replace(/\.dlmodel\.json$/i, '').replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[-.]+|[-.]+$/g, '');
}

function gaussian(rand: () => number): number {
  const u = Math.max(rand(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
}

const round = (v: number, d = 1) => Number(v.toFixed(d));

function course(name: string): TemplateFile[] {
  const rand = mulberry32(7);
  const rows: string[] = [];
  for (let i = 0; i < 40; i++) {
    const man = i % 2 === 0;
    const height = round((man ? 178 : 165) + gaussian(rand) * 7);
    const weight = round((man ? 80 : 63) + gaussian(rand) * 8);
    rows.push(`      { "weight": ${weight}, "height": ${height}, "gender": "${man ? 'Man' : 'Woman'}" }`);
  }
  const spec = `{
  // The network of the course notes: 2 inputs (weight, height), one hidden layer of 2 neurons, 1 output.
  // Input and output layers come from the data: you only choose the hidden layers.
  // Learnable parameters: 2 x 2 weights + 2 biases (hidden) + 2 x 1 weights + 1 bias (output) = 9.
  "name": "${name}",
  "description": "Man or woman from weight (kg) and height (cm)",
  "data": {
    "target": "gender",
    "rows": [
${rows.join(',\n')}
    ]
  },
  "model": {
    "layers": [
      { "type": "dense", "units": 2, "activation": "sigmoid" }
    ]
  },
  "training": {
    "epochs": 100,
    "batchSize": 8,
    "optimizer": "adam",
    "learningRate": 0.05,
    "seed": 42
  },
  "predict": {
    "inputs": [
      { "weight": 85, "height": 182 },
      { "weight": 55, "height": 160 }
    ]
  }
}
`;
  return [{ path: specFileName(name), content: spec }];
}

function classification(name: string): TemplateFile[] {
  const rand = mulberry32(11);
  const kinds = [
    { fruit: 'apple', weight: 150, diameter: 7.5, colors: ['red', 'green'] },
    { fruit: 'orange', weight: 180, diameter: 8, colors: ['orange'] },
    { fruit: 'lemon', weight: 90, diameter: 5.5, colors: ['yellow', 'green'] },
  ];
  const lines = ['id,weight,diameter,color,fruit'];
  for (let i = 0; i < 180; i++) {
    const k = kinds[i % 3];
    const color = k.colors[Math.floor(rand() * k.colors.length)];
    lines.push(`${i + 1},${round(k.weight + gaussian(rand) * 18)},${round(k.diameter + gaussian(rand) * 0.7, 2)},${color},${k.fruit}`);
  }
  const spec = `{
  // Classification from a table: numeric columns are normalized, the text column "color" is one-hot encoded.
  // Three fruits => the output layer has 3 units with softmax (derived from the target column).
  "name": "${name}",
  "description": "Fruit from weight (g), diameter (cm) and colour",
  "data": {
    "source": "data/${name}.csv",
    "target": "fruit",
    "ignore": ["id"],
    "normalize": "standard",
    "validationSplit": 0.2
  },
  "model": {
    "layers": [
      { "type": "dense", "units": 8, "activation": "relu" },
      { "type": "dense", "units": 8, "activation": "relu" }
    ]
  },
  "training": {
    "epochs": 60,
    "batchSize": 16,
    "optimizer": "adam",
    "learningRate": 0.01,
    "seed": 42
  },
  "predict": {
    "inputs": [
      { "weight": 155, "diameter": 7.4, "color": "red" },
      { "weight": 95, "diameter": 5.6, "color": "yellow" }
    ]
  }
}
`;
  return [
    { path: specFileName(name), content: spec },
    { path: `data/${name}.csv`, content: lines.join('\n') + '\n' },
  ];
}

/** Short product reviews from a seeded grammar; some quoted, with commas and quotes inside, as real CSVs have. */
function text(name: string): TemplateFile[] {
  const rand = mulberry32(31);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
  const things = ['headphones', 'kettle', 'lamp', 'backpack', 'phone case', 'blender', 'keyboard', 'chair'];
  const good = ['great', 'excellent', 'sturdy', 'comfortable', 'lovely', 'fast', 'reliable', 'quiet'];
  const bad = ['awful', 'flimsy', 'broken', 'noisy', 'useless', 'slow', 'disappointing', 'cheap'];
  const goodEnds = ['Would buy again!', 'Five stars.', 'Highly recommended.', 'My family loves it.', 'Worth every penny.'];
  const badEnds = ['Returned it.', 'Do not buy.', 'Waste of money.', 'Stopped working after a week.', 'Never again!'];
  const lines = ['review,sentiment'];
  for (let i = 0; i < 240; i++) {
    const positive = rand() < 0.5;
    const [words, ends] = positive ? [good, goodEnds] : [bad, badEnds];
    // A few reviews mix in a word of the other side, so a single word does not decide.
    const other = positive ? bad : good;
    const body = `The ${pick(things)} is ${pick(words)}, ${rand() < 0.2 ? `not ${pick(other)}` : `really ${pick(words)}`}. ${pick(ends)}`;
    const quoted = rand() < 0.3 ? body.replace('really', '"really"') : body;
    const cell = `"${quoted.replace(/"/g, '""')}"`;
    lines.push(`${cell},${positive ? 'positive' : 'negative'}`);
  }
  const spec = `{
  // Text: "review" is read as words; each word becomes an id (the 2 most common ids are 0 = padding and
  // 1 = unknown word), the embedding turns each id into 16 learned numbers, and the LSTM reads them in order.
  // The vocabulary is learned from the training rows only; words it has never seen count as unknown.
  "name": "${name}",
  "description": "Positive or negative, from the words of a product review",
  "data": {
    "source": "data/${name}.csv",
    "target": "sentiment",
    "text": { "column": "review", "tokens": "words" }
  },
  "model": {
    "layers": [
      { "type": "embedding", "outputDim": 16 },
      { "type": "lstm", "units": 16 }
    ]
  },
  "training": {
    "epochs": 15,
    "batchSize": 16,
    "learningRate": 0.01,
    "seed": 42
  },
  "predict": {
    "inputs": [
      { "review": "The kettle is lovely and really quiet. Worth every penny." },
      { "review": "The lamp is flimsy, it flickers. Returned it." }
    ]
  }
}
`;
  return [
    { path: specFileName(name), content: spec },
    { path: `data/${name}.csv`, content: lines.join('\n') + '\n' },
  ];
}

function regression(name: string): TemplateFile[] {
  const rand = mulberry32(23);
  const districts: Record<string, number> = { centre: 6, north: 0, south: 2.5 };
  const names = Object.keys(districts);
  const lines = ['size_m2,rooms,district,rent'];
  for (let i = 0; i < 200; i++) {
    const size = Math.round(30 + rand() * 90);
    const rooms = Math.max(1, Math.round(size / 28 + gaussian(rand) * 0.6));
    const district = names[Math.floor(rand() * names.length)];
    const rent = (size * (9 + districts[district]) + rooms * 40 + gaussian(rand) * 60) / 100;
    lines.push(`${size},${rooms},${district},${round(rent, 2)}`);
  }
  const spec = `{
  // Regression: the target is a number, so the output layer is 1 linear unit and the loss is mean squared
  // error; predictions come back in the target's own units (hundreds per month here).
  "name": "${name}",
  "description": "Monthly rent (in hundreds) from flat size, rooms and district",
  "task": "regression",
  "data": {
    "source": "data/${name}.csv",
    "target": "rent"
  },
  "model": {
    "layers": [
      { "type": "dense", "units": 16, "activation": "relu" },
      { "type": "dense", "units": 8, "activation": "relu" }
    ]
  },
  "training": {
    "epochs": 80,
    "batchSize": 16,
    "optimizer": "adam",
    "learningRate": 0.01,
    "metrics": ["mae"],
    "seed": 42
  },
  "predict": {
    "inputs": [
      { "size_m2": 75, "rooms": 3, "district": "centre" },
      { "size_m2": 40, "rooms": 1, "district": "north" }
    ]
  }
}
`;
  return [
    { path: specFileName(name), content: spec },
    { path: `data/${name}.csv`, content: lines.join('\n') + '\n' },
  ];
}

const IMG = 16;

/** A 16x16 grey image of stripes (horizontal or vertical) with a random phase and noise. */
function stripes(horizontal: boolean, rand: () => number): Uint8Array {
  const png = new PNG({ width: IMG, height: IMG, colorType: 0 });
  const phase = Math.floor(rand() * 4);
  const period = 3 + Math.floor(rand() * 3);
  for (let y = 0; y < IMG; y++) {
    for (let x = 0; x < IMG; x++) {
      const t = horizontal ? y : x;
      const on = (t + phase) % period < period / 2;
      const v = Math.max(0, Math.min(255, (on ? 220 : 30) + gaussian(rand) * 25));
      const i = (y * IMG + x) * 4;
      png.data[i] = png.data[i + 1] = png.data[i + 2] = Math.round(v);
      png.data[i + 3] = 255;
    }
  }
  return new Uint8Array(PNG.sync.write(png, { colorType: 0 }));
}

function imageCnn(name: string): TemplateFile[] {
  const rand = mulberry32(31);
  const files: TemplateFile[] = [];
  for (const cls of ['horizontal', 'vertical']) {
    for (let i = 0; i < 40; i++) files.push({ path: `images/${cls}/${cls[0]}-${String(i).padStart(3, '0')}.png`, content: stripes(cls === 'horizontal', rand) });
  }
  files.push({ path: 'predict/stripe-a.png', content: stripes(true, rand) });
  files.push({ path: 'predict/stripe-b.png', content: stripes(false, rand) });
  const spec = `{
  // Images as pixel matrices: each 16x16 grey picture is a 16 x 16 x 1 matrix of values in 0..1.
  // One sub-folder per class; the input layer takes the image shape, the output one unit per class.
  "name": "${name}",
  "description": "Horizontal or vertical stripes, a small convolutional network",
  "data": {
    "source": "images",
    "target": "label",
    "image": { "width": ${IMG}, "height": ${IMG}, "channels": 1 },
    "validationSplit": 0.25
  },
  "model": {
    "layers": [
      { "type": "conv2d", "filters": 4, "kernelSize": 3, "activation": "relu" },
      { "type": "maxPooling2d", "poolSize": 2 },
      { "type": "flatten" },
      { "type": "dense", "units": 8, "activation": "relu" }
    ]
  },
  "training": {
    "epochs": 15,
    "batchSize": 16,
    "optimizer": "adam",
    "learningRate": 0.01,
    "seed": 42
  },
  "predict": {
    "source": "predict"
  }
}
`;
  return [{ path: specFileName(name), content: spec }, ...files];
}

function transfer(name: string, opts: TemplateOptions): TemplateFile[] {
  const from = opts.from;
  if (!from) throw new Error('Transfer learning needs a completed run to start from.');
  const runDir = from.runDir.split(path.sep).join('/');
  const target = JSON.stringify(from.target);
  // The base run's data: its file (re-pointed from the new spec's folder) or its inline rows.
  const source = from.dataSource
    ? `"source": ${JSON.stringify(from.dataSource.split(path.sep).join('/'))}`
    : `"rows": [\n${(from.rows ?? []).map((r) => `      ${JSON.stringify(r)}`).join(',\n')}\n    ]`;
  const image = from.image ? `,\n    "image": ${JSON.stringify(from.image).replace(/,/g, ', ').replace(/:/g, ': ')}` : '';
  const freeze = Math.max(0, from.hiddenLayers);
  const spec = `{
  // Transfer learning: start from the layers a trained run learned, keep the first ${freeze} frozen (not
  // trainable), and train the layers below plus a new output layer on top.
  "name": "${name}",
  "data": {
    ${source},
    "target": ${target}${image}
  },
  "model": {
    "from": "${runDir}",
    "freeze": ${freeze},
    "layers": [
      { "type": "dense", "units": 8, "activation": "relu" }
    ]
  },
  "training": {
    "epochs": 20,
    "optimizer": "adam",
    "learningRate": 0.001,
    "seed": 42
  }
}
`;
  return [{ path: specFileName(name), content: spec }];
}

function autoencoder(name: string): TemplateFile[] {
  const rand = mulberry32(31);
  // Two machines in normal operation, each with its own typical readings.
  const machines = [
    { machine: 'press', temperature: 62, vibration: 2.1, pressure: 5.5, rpm: 1200 },
    { machine: 'pump', temperature: 45, vibration: 0.8, pressure: 3.1, rpm: 2900 },
  ];
  const lines = ['temperature,vibration,pressure,rpm,machine'];
  for (let i = 0; i < 240; i++) {
    const m = machines[i % 2];
    lines.push([
      round(m.temperature + gaussian(rand) * 3), round(m.vibration + gaussian(rand) * 0.2, 2), round(m.pressure + gaussian(rand) * 0.3, 2),
      Math.round(m.rpm + gaussian(rand) * 60), m.machine,
    ].join(','));
  }
  const spec = `{
  // Unsupervised: no target. The network learns to reproduce its 4 inputs through a code of 2 values (the
  // narrowest hidden layer); the derived output layer has the input's 4 values. k-means groups the codes
  // into 2 clusters. "machine" is only the label: it colours the code-space plot and scores the clusters.
  // Predict gives each input its code, its cluster and its reconstruction error: a high error means the
  // reading is unlike the training data, an anomaly.
  "name": "${name}",
  "description": "Normal sensor readings of two machines; which new readings are unusual?",
  "task": "autoencoder",
  "data": {
    "source": "data/${name}.csv",
    "label": "machine"
  },
  "model": {
    "layers": [
      { "type": "dense", "units": 8, "activation": "tanh" },
      { "type": "dense", "units": 2 },
      { "type": "dense", "units": 8, "activation": "tanh" }
    ],
    "clusters": 2
  },
  "training": {
    "epochs": 100,
    "batchSize": 16,
    "learningRate": 0.01,
    "seed": 42
  },
  "predict": {
    "inputs": [
      { "temperature": 61, "vibration": 2.0, "pressure": 5.6, "rpm": 1210 },
      { "temperature": 88, "vibration": 6.5, "pressure": 5.4, "rpm": 1190 }
    ]
  }
}
`;
  return [
    { path: specFileName(name), content: spec },
    { path: `data/${name}.csv`, content: lines.join('\n') + '\n' },
  ];
}

function pseudoLabels(name: string): TemplateFile[] {
  const rand = mulberry32(37);
  const kinds = [
    { fruit: 'apple', weight: 150, diameter: 7.5 },
    { fruit: 'orange', weight: 185, diameter: 8.3 },
    { fruit: 'lemon', weight: 95, diameter: 5.6 },
  ];
  const lines = ['weight,diameter,fruit'];
  for (let i = 0; i < 300; i++) {
    const k = kinds[i % 3];
    // Only one row in ten has its fruit written down; the others are left empty (unlabelled).
    lines.push(`${round(k.weight + gaussian(rand) * 20)},${round(k.diameter + gaussian(rand) * 0.6, 2)},${i % 10 === 0 ? k.fruit : ''}`);
  }
  const spec = `{
  // Semi-supervised: 300 fruits, but only 30 have their name. With pseudoLabels, the rows without one are
  // kept as unlabelled rather than dropped. The first training uses the labelled rows (validation is taken
  // from them only); then each round predicts the unlabelled rows, adopts those predicted with at least
  // 90% confidence as if labelled, and trains again. The dashboard shows, per round, how many rows were
  // adopted and the validation accuracy: did the unlabelled data help? Remove "pseudoLabels" to compare.
  "name": "${name}",
  "description": "Fruit from weight (g) and diameter (cm), mostly unlabelled",
  "data": {
    "source": "data/${name}.csv",
    "target": "fruit",
    "validationSplit": 0.3
  },
  "model": {
    "layers": [
      { "type": "dense", "units": 16, "activation": "relu" }
    ]
  },
  "training": {
    "epochs": 40,
    "batchSize": 8,
    "learningRate": 0.01,
    "seed": 42,
    "pseudoLabels": { "threshold": 0.9, "rounds": 3 }
  },
  "predict": {
    "inputs": [
      { "weight": 152, "diameter": 7.4 },
      { "weight": 98, "diameter": 5.5 }
    ]
  }
}
`;
  return [
    { path: specFileName(name), content: spec },
    { path: `data/${name}.csv`, content: lines.join('\n') + '\n' },
  ];
}
