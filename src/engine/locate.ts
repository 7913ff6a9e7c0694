// Where the trainer bundle is, for hosts that start it (the command line; the extension passes its own
// `context.asAbsolutePath('dist/trainer.js')`). No TensorFlow.js here.
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

/** The folder holding dist/ and node_modules/: the extension's install, or the repository from sources. */
export function findPackageRoot(start: string): string | undefined {
  let dir = start;
  for (;;) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        if ((JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'dlmodel') return dir;
      } catch {
        // keep looking
      }
    }
    const up = path.dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}

/**
 * dist/trainer.js beside this bundle (dist/cli.js), or in the package root when running from sources.
 * DLMODEL_TRAINER overrides it (tests, development).
 */
export function trainerScriptPath(from = __dirname): string {
  const override = process.env.DLMODEL_TRAINER;
  if (override) return path.resolve(override);
  const beside = path.join(from, 'trainer.js');
  if (existsSync(beside)) return beside;
  const root = findPackageRoot(from);
  const built = root ? path.join(root, 'dist', 'trainer.js') : beside;
  if (!existsSync(built)) {
    throw new Error(`the trainer bundle ${built} is missing: run "npm run build" first`);
  }
  return built;
}
