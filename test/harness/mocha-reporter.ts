// Mocha's spec output plus the counts, so test/run-all.sh can sum stages exactly.
//   CLI:  mocha --reporter ./out/test/harness/mocha-reporter.js --reporter-option output=test-results/unit.json
//   Code: new Mocha({ reporter: CountingSpec, reporterOptions: { output, marker: true } })
// `output` (or $DLMODEL_RESULTS_FILE) gets { passed, failed, skipped }. `marker` also logs one line
// `DLMODEL_MOCHA_RESULT {...}`: inside code-server's extension host the console is the only channel back.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import Mocha = require('mocha');

interface CountingOptions {
  output?: string;
  marker?: boolean | string;
}

class CountingSpec extends Mocha.reporters.Spec {
  /** The prefix of the counts line logged with `marker`. */
  static readonly RESULT_MARKER = 'DLMODEL_MOCHA_RESULT';

  constructor(runner: Mocha.Runner, options?: Mocha.MochaOptions) {
    super(runner, options);
    const opts = (options?.reporterOptions ?? {}) as CountingOptions;
    const output = opts.output ?? process.env.DLMODEL_RESULTS_FILE;
    const marker = opts.marker === true || opts.marker === 'true';
    runner.once(Mocha.Runner.constants.EVENT_RUN_END, () => {
      const s = runner.stats;
      const counts = { passed: s?.passes ?? 0, failed: s?.failures ?? 0, skipped: s?.pending ?? 0 };
      if (marker) console.log(`${CountingSpec.RESULT_MARKER} ${JSON.stringify(counts)}`);
      if (output) {
        try {
          mkdirSync(dirname(output), { recursive: true });
          writeFileSync(output, JSON.stringify(counts) + '\n');
        } catch (e) {
          console.error(`cannot write mocha counts to ${output}: ${e instanceof Error ? e.message : String(e)}`);
        }
      }
    });
  }
}

// module.exports itself: mocha's --reporter loads a module and calls it as the class.
export = CountingSpec;
