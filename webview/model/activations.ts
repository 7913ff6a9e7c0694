// Activation functions, evaluated for the small glyph drawn under each layer of the diagram.

const SELU_A = 1.6732632423543772;
const SELU_L = 1.0507009873554805;

function erf(x: number): number {
  // Abramowitz-Stegun 7.1.26: plenty for a 40-pixel drawing.
  const t = 1 / (1 + 0.3275911 * Math.abs(x));
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
  return x >= 0 ? y : -y;
}

export function activationFn(name: string | undefined): ((x: number) => number) | undefined {
  switch (name) {
    case undefined:
      return undefined;
    case 'linear':
      return (x) => x;
    case 'relu':
      return (x) => Math.max(0, x);
    case 'relu6':
      return (x) => Math.min(6, Math.max(0, x));
    case 'elu':
      return (x) => (x >= 0 ? x : Math.exp(x) - 1);
    case 'selu':
      return (x) => SELU_L * (x >= 0 ? x : SELU_A * (Math.exp(x) - 1));
    case 'sigmoid':
      return (x) => 1 / (1 + Math.exp(-x));
    case 'hardSigmoid':
      return (x) => Math.min(1, Math.max(0, 0.2 * x + 0.5));
    case 'tanh':
      return Math.tanh;
    case 'softmax':
      // Per unit, softmax behaves like a sigmoid of its own logit against the others.
      return (x) => 1 / (1 + Math.exp(-x));
    case 'softplus':
      return (x) => Math.log1p(Math.exp(x));
    case 'softsign':
      return (x) => x / (1 + Math.abs(x));
    case 'swish':
      return (x) => x / (1 + Math.exp(-x));
    case 'mish':
      return (x) => x * Math.tanh(Math.log1p(Math.exp(x)));
    case 'gelu':
      return (x) => 0.5 * x * (1 + erf(x / Math.SQRT2));
    default:
      return undefined;
  }
}

/** An SVG path of the function over [-3, 3], fitted into a w x h box at (x, y). */
export function activationPath(name: string | undefined, x: number, y: number, w: number, h: number): string | undefined {
  const f = activationFn(name);
  if (!f) return undefined;
  const n = 24;
  const vals: number[] = [];
  for (let i = 0; i <= n; i++) vals.push(f(-3 + (6 * i) / n));
  let lo = Math.min(...vals);
  let hi = Math.max(...vals);
  if (hi - lo < 1e-9) {
    lo -= 1;
    hi += 1;
  }
  return vals
    .map((v, i) => `${i ? 'L' : 'M'}${(x + (w * i) / n).toFixed(1)} ${(y + h - ((v - lo) / (hi - lo)) * h).toFixed(1)}`)
    .join(' ');
}
