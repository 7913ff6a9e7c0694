// The API VS Code injects into a webview. Typed here, because the webview bundle has no @types/vscode.
import type { DashboardUiState, WebviewToHost } from '../src/protocol/webview';

export interface VsCodeApi {
  postMessage(message: WebviewToHost): void;
  getState(): DashboardUiState | undefined;
  setState(state: DashboardUiState): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

export function vscodeApi(): VsCodeApi {
  return acquireVsCodeApi();
}
