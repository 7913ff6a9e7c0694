// Optional packages (tfjs-node, tfjs-node-gpu, webgpu) are found only in named folders: the extension's own
// install or a folder the user configured, never by Node's walk up the parent folders (a node_modules above
// the install, or in a workspace, must never be loaded and run).
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

/**
 * The package folder of `pkg` directly inside one of `dirs` (as `dir/node_modules/pkg`, `dir/pkg` when
 * dir is itself a node_modules folder, or dir when it is the package). No walking up to parent folders.
 */
export function findNativePackage(pkg: string, dirs: string[]): string | undefined {
  for (const dir of dirs) {
    for (const candidate of [path.join(dir, 'node_modules', pkg), path.join(dir, pkg), dir]) {
      const manifest = path.join(candidate, 'package.json');
      if (!existsSync(manifest)) continue;
      try {
        if ((JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === pkg) return candidate;
      } catch {
        // unreadable manifest: not this one
      }
    }
  }
  return undefined;
}


/** The file Node would load for the package folder `dir` (its "main", else index.js). */
export function packageEntry(dir: string): string {
  try {
    const main = (JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { main?: unknown }).main;
    if (typeof main === 'string' && main) return path.resolve(dir, main);
  } catch {
    // fall back to index.js
  }
  return path.join(dir, 'index.js');
}
