// Starts and stops code-server: the real VS Code server and workbench, with the real Node extension host.
// Each start gets its own temp root (user data, extensions, XDG folders), so runs never share state and
// never write into the home folder. It runs in its own session (setsid) so that stopping it kills the
// whole process group: the extension host and file watcher outlive a plain kill of the parent.
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { envMs, harnessDir, isExiting, log, onCleanup, repoRoot, sleep } from './util';

export const CODE_SERVER_VERSION = '4.100.3';

/** Settings that keep dialogs, welcome pages and side bars from covering the workbench. */
export const DEFAULT_SETTINGS: Record<string, unknown> = {
  'workbench.startupEditor': 'none',
  'security.workspace.trust.enabled': false,
  'telemetry.telemetryLevel': 'off',
  'extensions.autoUpdate': false,
  'extensions.autoCheckUpdates': false,
  'extensions.ignoreRecommendations': true,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'chat.disableAIFeatures': true,
  'git.enabled': false,
  'workbench.tips.enabled': false,
  'update.mode': 'none',
};

/**
 * Settings of a restricted-mode run: workspace trust on, and nothing that asks for it. The workbench decides
 * trust from the folders trusted in its own storage (empty in a fresh user-data folder) and from the remote
 * resolver (code-server's never declares its folders trusted), so a folder opened with `?folder=` starts
 * untrusted. `startupPrompt: never` leaves out the modal "Do you trust the authors" dialog that would cover
 * the page; `banner` and `untrustedFiles` keep the restricted-mode banner and file prompts away.
 */
export const RESTRICTED_SETTINGS: Record<string, unknown> = {
  'security.workspace.trust.enabled': true,
  'security.workspace.trust.startupPrompt': 'never',
  'security.workspace.trust.banner': 'never',
  'security.workspace.trust.untrustedFiles': 'open',
  'security.workspace.trust.emptyWindow': false,
};

export interface CodeServerOptions {
  /** Extra user settings, merged over DEFAULT_SETTINGS. */
  settings?: Record<string, unknown>;
  /** Extra environment for code-server and its extension host. */
  env?: NodeJS.ProcessEnv;
  /** How long to wait for /healthz (default 120 s, DLMODEL_CODE_SERVER_START_MS). */
  startTimeoutMs?: number;
  /**
   * Workspace trust enabled, and every folder opened untrusted (restricted mode): RESTRICTED_SETTINGS,
   * without --disable-workspace-trust. Default false: trust disabled, so every folder is trusted.
   */
  restricted?: boolean;
}

export interface CodeServer {
  readonly port: number;
  /** http://127.0.0.1:PORT */
  readonly url: string;
  /** The authority the workbench uses for files on this server, e.g. for extensionDevelopmentPath. */
  readonly remoteAuthority: string;
  /** Temp root holding user data, extensions, XDG folders; removed by stop(). */
  readonly root: string;
  readonly pid: number;
  /** The last lines code-server printed (for failure messages). */
  output(): string;
  /** Copies a folder into the temp root and returns its path, so tests never modify the repository. */
  copyFolder(src: string, name?: string): string;
  stop(): Promise<void>;
}

export function codeServerBin(): string {
  return join(harnessDir(), 'code-server', 'node_modules', '.bin', 'code-server');
}

/** Throws a message saying how to install when code-server is missing or the wrong version. */
export function assertCodeServerInstalled(): void {
  const pkg = join(harnessDir(), 'code-server', 'node_modules', 'code-server', 'package.json');
  const hint = 'install it with: bash test/harness/install-code-server.sh';
  if (!existsSync(codeServerBin()) || !existsSync(pkg)) {
    throw new Error(`code-server is not installed in ${join(harnessDir(), 'code-server')}; ${hint}`);
  }
  const version = (JSON.parse(readFileSync(pkg, 'utf8')) as { version?: string }).version;
  if (version !== CODE_SERVER_VERSION) {
    throw new Error(`code-server ${version} is installed, the harness needs ${CODE_SERVER_VERSION}; ${hint}`);
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => (port ? resolvePort(port) : reject(new Error('no free port'))));
    });
  });
}

function healthy(url: string): Promise<boolean> {
  return new Promise((done) => {
    const req = request(`${url}/healthz`, { timeout: 2000 }, (res) => {
      res.resume();
      done(res.statusCode === 200);
    });
    req.on('error', () => done(false));
    req.on('timeout', () => {
      req.destroy();
      done(false);
    });
    req.end();
  });
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

function killGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // already gone
  }
}

export async function startCodeServer(opts: CodeServerOptions = {}): Promise<CodeServer> {
  assertCodeServerInstalled();
  if (isExiting()) throw new Error('shutting down: not starting code-server');
  const root = mkdtempSync(join(tmpdir(), 'dlmodel-code-server-'));
  const removeRoot = () => {
    if (process.env.DLMODEL_KEEP_TMP) return;
    try {
      // Retries: a process of the group may still be closing files in it.
      rmSync(root, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
    } catch {
      // a file still held open; the OS cleans tmp
    }
  };
  // Until code-server runs (and its own cleanup takes over), an interrupted start removes the folder.
  const unregisterRoot = onCleanup(async () => removeRoot(), removeRoot);
  const dirs = {
    userData: join(root, 'user-data'),
    extensions: join(root, 'extensions'),
    config: join(root, 'xdg-config'),
    data: join(root, 'xdg-data'),
    cache: join(root, 'xdg-cache'),
  };
  for (const d of Object.values(dirs)) mkdirSync(d, { recursive: true });
  mkdirSync(join(dirs.userData, 'User'), { recursive: true });
  writeFileSync(
    join(dirs.userData, 'User', 'settings.json'),
    JSON.stringify({ ...DEFAULT_SETTINGS, ...(opts.restricted ? RESTRICTED_SETTINGS : {}), ...opts.settings }, null, 2),
  );
  writeFileSync(join(root, 'config.yaml'), 'auth: none\ncert: false\n');

  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const args = [
    '--bind-addr', `127.0.0.1:${port}`,
    '--auth', 'none',
    '--config', join(root, 'config.yaml'),
    '--user-data-dir', dirs.userData,
    '--extensions-dir', dirs.extensions,
    '--disable-telemetry',
    '--disable-update-check',
    // Turns trust off whatever the settings say (the workbench gets enableWorkspaceTrust: false).
    ...(opts.restricted ? [] : ['--disable-workspace-trust']),
    '--disable-getting-started-override',
    '--ignore-last-opened',
  ];
  // detached: the child calls setsid(2) before exec, exactly what setsid(1) does; so its pid is the
  // process group id of everything it spawns (extension host, watcher, pty host).
  const child = spawn(codeServerBin(), args, {
    cwd: root,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      XDG_CONFIG_HOME: dirs.config,
      XDG_DATA_HOME: dirs.data,
      XDG_CACHE_HOME: dirs.cache,
      ...opts.env,
    },
  });
  const pid = child.pid;
  if (pid === undefined) {
    removeRoot();
    unregisterRoot();
    throw new Error(`could not start ${codeServerBin()}`);
  }

  const lines: string[] = [];
  const keep = (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n')) {
      if (line.trim()) lines.push(line);
    }
    if (lines.length > 200) lines.splice(0, lines.length - 200);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let exited: string | undefined;
  child.on('exit', (code, signal) => {
    exited = `code-server exited (code ${code}, signal ${signal})`;
  });

  let stopping: Promise<void> | undefined;
  // One promise for every caller: a second stop() (signal handler and failure path at once) waits too.
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      killGroup(pid, 'SIGTERM');
      for (let i = 0; i < 50 && groupAlive(pid); i++) await sleep(100);
      if (groupAlive(pid)) killGroup(pid, 'SIGKILL');
      for (let i = 0; i < 20 && groupAlive(pid); i++) await sleep(100);
      removeRoot();
      unregister();
    })());
  const unregister = onCleanup(stop, () => {
    killGroup(pid, 'SIGKILL');
    removeRoot();
  });
  unregisterRoot();

  const timeoutMs = opts.startTimeoutMs ?? envMs('DLMODEL_CODE_SERVER_START_MS', 120_000);
  const started = Date.now();
  for (;;) {
    if (exited) {
      await stop();
      throw new Error(`${exited} before it answered /healthz. Its output:\n${lines.slice(-30).join('\n')}`);
    }
    if (await healthy(url)) break;
    if (Date.now() - started > timeoutMs) {
      await stop();
      throw new Error(
        `code-server did not answer ${url}/healthz within ${Math.round(timeoutMs / 1000)} s. ` +
          `Its output:\n${lines.slice(-30).join('\n')}`,
      );
    }
    await sleep(250);
  }
  log('code-server', `up at ${url} in ${((Date.now() - started) / 1000).toFixed(1)} s (pid ${pid}, root ${root})`);

  return {
    port,
    url,
    remoteAuthority: `127.0.0.1:${port}`,
    root,
    pid,
    output: () => lines.join('\n'),
    copyFolder(src: string, name?: string): string {
      const dest = join(root, 'workspaces', name ?? src.split('/').filter(Boolean).pop() ?? 'workspace');
      cpSync(src, dest, { recursive: true });
      return dest;
    },
    stop,
  };
}

/** The fixture workspace shared by the integration and e2e tests. */
export function fixtureWorkspace(): string {
  return join(repoRoot(), 'test', 'fixtures', 'workspace');
}

