// The mocha runner that VS Code loads in the extension host (extensionTestsPath): it must export run().
// Every *.test.ts in test/integration is bundled on its own to out/test/integration/*.test.js, so this
// runner loads its sibling bundles. Style: mocha bdd (describe/it), as the unit tests.
// $DLMODEL_TEST_GREP narrows the tests (reaches the extension host through code-server's environment).
// $DLMODEL_RESTRICTED=1 (run-integration --restricted: an untrusted workspace) loads only restricted*.test.js;
// without it those are left out, since they assert that the workspace is untrusted.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { format } from 'node:util';
import Mocha = require('mocha');
import CountingSpec = require('../harness/mocha-reporter');

export async function run(): Promise<void> {
  // The workbench forwards console arguments joined by commas, without printf substitution: format here.
  Mocha.reporters.Base.consoleLog = (...args: unknown[]) => console.log(format(...args));
  const mocha = new Mocha({
    ui: 'bdd',
    color: false,
    timeout: 120_000,
    reporter: CountingSpec,
    reporterOptions: { marker: true, output: process.env.DLMODEL_RESULTS_FILE },
  });
  // A regular expression (mocha.grep escapes a plain string).
  if (process.env.DLMODEL_TEST_GREP) mocha.grep(new RegExp(process.env.DLMODEL_TEST_GREP));
  const restricted = process.env.DLMODEL_RESTRICTED === '1';
  const files = readdirSync(__dirname)
    .filter((f) => f.endsWith('.test.js') && f.startsWith('restricted') === restricted)
    .sort();
  const which = restricted ? 'restricted*.test.js' : '*.test.js';
  if (files.length === 0) throw new Error(`no ${which} bundles beside ${__filename}; run npm run build`);
  for (const f of files) mocha.addFile(join(__dirname, f));
  // Tells the harness that what follows is the suite's output (before it, the workbench's own log).
  console.log('DLMODEL_SUITE_START');
  await new Promise<void>((resolve, reject) => {
    mocha.run((failures) => (failures > 0 ? reject(new Error(`${failures} integration test(s) failed`)) : resolve()));
  });
}
