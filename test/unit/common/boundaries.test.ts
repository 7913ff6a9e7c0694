// The module boundaries the architecture promises, checked on the source: the extension host, the CLI and
// the trainer never import the webview app, and src/common/ (shared by all of them and the webview) imports
// no vscode, no Node built-in and uses no DOM.
import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import * as path from 'node:path';

const REPO = path.resolve(__dirname, '..', '..', '..');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sources(p) : e.name.endsWith('.ts') ? [p] : [];
  });
}

/** Every module specifier a file imports, re-exports or requires. */
function specifiers(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'"`;]*?from\s*['"]([^'"]+)['"]/g)) out.push(m[1]);
  for (const m of text.matchAll(/(?:^|\n)\s*import\s*['"]([^'"]+)['"]/g)) out.push(m[1]);
  for (const m of text.matchAll(/\b(?:require|import)\(\s*['"]([^'"]+)['"]\s*\)/g)) out.push(m[1]);
  return out;
}

const rel = (f: string) => path.relative(REPO, f);

describe('module boundaries', () => {
  it('nothing under src/ imports the webview app (webview/)', () => {
    const offenders: string[] = [];
    for (const f of sources(path.join(REPO, 'src'))) {
      for (const s of specifiers(f)) {
        if (!s.startsWith('.')) continue;
        const target = path.resolve(path.dirname(f), s);
        if (rel(target).split(path.sep)[0] === 'webview') offenders.push(`${rel(f)} imports ${s}`);
      }
    }
    assert.deepEqual(offenders, []);
  });

  it('src/common/ imports no vscode, no Node built-in, nothing outside src/common and src/protocol, and uses no DOM', () => {
    const node = new Set(builtinModules);
    const offenders: string[] = [];
    for (const f of sources(path.join(REPO, 'src', 'common'))) {
      for (const s of specifiers(f)) {
        if (s === 'vscode' || s.startsWith('node:') || node.has(s)) offenders.push(`${rel(f)} imports ${s}`);
        else if (s.startsWith('.')) {
          const top = rel(path.resolve(path.dirname(f), s)).split(path.sep).slice(0, 2).join('/');
          if (top !== 'src/common' && top !== 'src/protocol') offenders.push(`${rel(f)} imports ${s}`);
        }
      }
      const code = readFileSync(f, 'utf8').replace(/\/\/.*$/gm, '');
      for (const dom of ['document.', 'window.', 'HTMLElement', 'globalThis.document']) {
        if (code.includes(dom)) offenders.push(`${rel(f)} uses ${dom}`);
      }
    }
    assert.deepEqual(offenders, []);
  });

  it('the checks see real imports (this file is found importing node:fs)', () => {
    assert.ok(specifiers(__filename).includes('node:fs'));
  });
});
