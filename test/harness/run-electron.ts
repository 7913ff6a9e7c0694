// The same integration suite, launched by @vscode/test-electron in a downloaded desktop VS Code: for
// machines that can reach update.code.visualstudio.com. Where the download fails for lack of network,
// this launcher (and only it) is skipped with the reason; every other failure fails.
//   node out/test/harness/run-electron.js [--grep PATTERN]
// Environment: DLMODEL_VSCODE_VERSION (default 1.100.3, the VS Code inside code-server 4.100.3).
// Without a display on Linux it re-runs itself under xvfb-run.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { downloadAndUnzipVSCode, runTests } from '@vscode/test-electron';
import { fixtureWorkspace } from './code-server';
import { errorText, formatCounts, harnessDir, log, repoRoot, resultsDir, writeStageCounts, type StageCounts } from './util';

const NETWORK_ERROR = /ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENETUNREACH|EHOSTUNREACH|getaddrinfo|socket hang up|network|timed? ?out/i;

function errorCode(e: unknown): string {
  const code = (e as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : '';
}

function finish(code: number, message: string): never {
  process.stdout.write(message + '\n');
  process.exit(code);
}

async function main(): Promise<void> {
  if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.DLMODEL_UNDER_XVFB) {
    const xvfb = spawnSync('sh', ['-c', 'command -v xvfb-run'], { encoding: 'utf8' });
    if (xvfb.status === 0) {
      const r = spawnSync('xvfb-run', ['-a', process.execPath, __filename, ...process.argv.slice(2)], {
        stdio: 'inherit',
        env: { ...process.env, DLMODEL_UNDER_XVFB: '1' },
      });
      process.exit(r.status ?? 1);
    }
    log('electron', 'no DISPLAY and no xvfb-run (apt-get install -y xvfb): VS Code may fail to open a window');
  }

  const root = repoRoot();
  const testsPath = join(root, 'out', 'test', 'integration', 'index.js');
  if (!existsSync(testsPath)) finish(1, `electron: ${testsPath} is missing; run npm run build first`);
  const version = process.env.DLMODEL_VSCODE_VERSION ?? '1.100.3';

  let vscodeExecutablePath: string;
  try {
    log('electron', `downloading VS Code ${version} (cached in .harness/vscode-test)`);
    vscodeExecutablePath = await downloadAndUnzipVSCode({
      version,
      cachePath: join(harnessDir(), 'vscode-test'),
      timeout: 60_000,
    });
  } catch (e) {
    const reason = `${errorCode(e)} ${errorText(e)}`.trim();
    if (NETWORK_ERROR.test(reason)) {
      writeStageCounts('electron', { passed: 0, failed: 0, skipped: 1 });
      finish(0, `electron: skipped: cannot download VS Code ${version} here (${reason})`);
    }
    writeStageCounts('electron', { passed: 0, failed: 1, skipped: 0 });
    finish(1, `electron: FAILED to get VS Code ${version}: ${reason}\nelectron: 0 passed, 1 failed`);
  }

  const tmp = mkdtempSync(join(tmpdir(), 'dlmodel-electron-'));
  const workspace = join(tmp, 'workspace');
  cpSync(fixtureWorkspace(), workspace, { recursive: true });
  mkdirSync(join(tmp, 'extensions'), { recursive: true });
  const resultsFile = join(resultsDir(), 'electron-mocha.json');
  rmSync(resultsFile, { force: true });
  const grepAt = process.argv.indexOf('--grep');
  const env: Record<string, string> = { DLMODEL_RESULTS_FILE: resultsFile };
  if (grepAt >= 0 && process.argv[grepAt + 1]) env.DLMODEL_TEST_GREP = process.argv[grepAt + 1];

  let code = 0;
  try {
    code = await runTests({
      vscodeExecutablePath,
      extensionDevelopmentPath: root,
      extensionTestsPath: testsPath,
      extensionTestsEnv: env,
      launchArgs: [
        workspace,
        '--user-data-dir', join(tmp, 'user-data'),
        '--extensions-dir', join(tmp, 'extensions'),
        '--disable-workspace-trust',
        '--skip-welcome',
        '--skip-release-notes',
        '--disable-gpu',
      ],
    });
  } catch (e) {
    log('electron', errorText(e));
    code = 1;
  } finally {
    if (!process.env.DLMODEL_KEEP_TMP) rmSync(tmp, { recursive: true, force: true });
  }
  let counts: StageCounts = { passed: 0, failed: code === 0 ? 0 : 1, skipped: 0 };
  if (existsSync(resultsFile)) counts = JSON.parse(readFileSync(resultsFile, 'utf8')) as StageCounts;
  if (code !== 0 && counts.failed === 0) counts = { ...counts, failed: 1 };
  writeStageCounts('electron', counts);
  finish(code === 0 && counts.failed === 0 ? 0 : 1, `electron: ${formatCounts(counts)}`);
}

void main();
