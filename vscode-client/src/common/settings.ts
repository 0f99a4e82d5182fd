// The extension's own reading of the `foureyes` settings section.
import * as os from 'node:os';
import * as vscode from 'vscode';
import { LaunchSettings, substitute } from './launch';

export const SECTION = 'foureyes';

function stringArray(value: unknown): string[] {
  if (typeof value === 'string') {
    return value.trim() === '' ? [] : [value];
  }
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

export function firstFolder(): vscode.WorkspaceFolder | undefined {
  return vscode.workspace.workspaceFolders?.[0];
}

export function launchSettings(): LaunchSettings {
  const config = vscode.workspace.getConfiguration(SECTION, firstFolder());
  const vars = {
    workspaceFolder: firstFolder()?.uri.fsPath,
    userHome: os.homedir(),
    env: process.env,
  };
  return {
    serverCommand: substitute(stringArray(config.get('serverCommand')), vars),
    interpreter: substitute(stringArray(config.get('interpreter')), vars),
  };
}

export function configuredReviewers(): string[] {
  return stringArray(vscode.workspace.getConfiguration(SECTION).get('reviewers'));
}

export function promptOnRequestReview(): boolean {
  return vscode.workspace.getConfiguration(SECTION).get<boolean>('promptOnRequestReview', true);
}

export function heuristicSettings(): { enabled: boolean; minLines: number } {
  const config = vscode.workspace.getConfiguration(SECTION);
  const minLines = config.get<number>('heuristicMinLines', 4);
  return {
    enabled: config.get<boolean>('heuristics', false),
    minLines: Number.isInteger(minLines) && minLines >= 2 ? minLines : 4,
  };
}
