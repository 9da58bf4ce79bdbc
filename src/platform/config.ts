import * as vscode from 'vscode';
import type { NamingScheme } from '../core/naming';

export const SECTION = 'kieUpload';
export const DEFAULT_BASE_URL = 'https://kieai.redpandaai.co';

export type AfterUpload = 'copyLink' | 'insertMarkdownLink' | 'ask' | 'none';

/** The extension's settings, validated, with defaults. Re-read on every change; never mutated. */
export interface KieConfig {
  readonly baseUrl: string;
  readonly uploadPath: string;
  readonly retentionHours: number;
  readonly afterUpload: AfterUpload;
  readonly maxConcurrentUploads: number;
  readonly maxRetries: number;
  readonly naming: NamingScheme;
  /** `kieUpload.fileNameTemplate` ('' when unset: the file's own name). */
  readonly fileNameTemplate: string;
  /** `kieUpload.uploadPathTemplate` ('' when unset: uploadPath and the naming scheme). */
  readonly uploadPathTemplate: string;
  readonly historyLimit: number;
  readonly expiryWarningHours: number;
  readonly preferUploadOnDropAndPaste: boolean;
  /** `kieUpload.dropAndPaste.languages`: where drop and paste offer the upload (user settings only). */
  readonly dropAndPasteLanguages: readonly string[];
  /** `kieUpload.sensitiveFiles`: the user's own globs for the sensitive-file guard (user settings only). */
  readonly sensitiveFiles: readonly string[];
  /** `kieUpload.keepAlive.renewHoursBefore`: a kept-alive link is renewed when fewer hours than this remain. */
  readonly keepAliveRenewHoursBefore: number;
  /** `kieUpload.images.optimize` as written in the user's settings (checked when an image is uploaded). */
  readonly imageOptimize: unknown;
  /** `kieUpload.images.removeLocation` (user settings only; on unless turned off). */
  readonly removeLocation: boolean;
  /** `kieUpload.images.removeAllMetadata` (user settings only). */
  readonly removeAllMetadata: boolean;
}

const AFTER_UPLOAD: readonly AfterUpload[] = ['copyLink', 'insertMarkdownLink', 'ask', 'none'];

export function readConfig(scope?: vscode.Uri): KieConfig {
  const config = vscode.workspace.getConfiguration(SECTION, scope);
  return Object.freeze({
    baseUrl: userLevel<string>(config, 'baseUrl') ?? DEFAULT_BASE_URL,
    uploadPath: stringOr(config.get('uploadPath'), 'vscode-uploads'),
    retentionHours: numberIn(userLevel(config, 'retentionHours'), 72, 1, 24 * 365),
    afterUpload: AFTER_UPLOAD.includes(config.get('afterUpload') as AfterUpload) ? (config.get('afterUpload') as AfterUpload) : 'copyLink',
    maxConcurrentUploads: Math.floor(numberIn(userLevel(config, 'maxConcurrentUploads'), 4, 1, 16)),
    maxRetries: Math.floor(numberIn(userLevel(config, 'maxRetries'), 3, 0, 10)),
    naming: config.get('naming') === 'original' ? 'original' : 'uniqueFolder',
    fileNameTemplate: stringOr(config.get('fileNameTemplate'), '').trim(),
    uploadPathTemplate: stringOr(config.get('uploadPathTemplate'), '').trim(),
    historyLimit: Math.floor(numberIn(config.get('historyLimit'), 200, 1, 5000)),
    expiryWarningHours: numberIn(config.get('expiryWarningHours'), 12, 0, 71),
    preferUploadOnDropAndPaste: userLevel(config, 'dropAndPaste.preferUpload') === true,
    dropAndPasteLanguages: stringList(userLevel(config, 'dropAndPaste.languages')),
    sensitiveFiles: stringList(userLevel(config, 'sensitiveFiles')),
    keepAliveRenewHoursBefore: numberIn(userLevel(config, 'keepAlive.renewHoursBefore'), 12, 1, 71),
    imageOptimize: userLevel(config, 'images.optimize') ?? 'off',
    // Only `false` turns it off: a workspace cannot, and a mistyped value keeps location out.
    removeLocation: userLevel(config, 'images.removeLocation') !== false,
    removeAllMetadata: userLevel(config, 'images.removeAllMetadata') === true,
  });
}

/**
 * Application-scoped settings are read from the user's own settings only: a workspace's
 * `.vscode/settings.json` can never redirect where the key goes or how hard the service is hit,
 * nor make drops and pastes upload by default.
 */
function userLevel<T>(config: vscode.WorkspaceConfiguration, key: string): T | undefined {
  const inspected = config.inspect<T>(key);
  return inspected?.globalValue ?? inspected?.defaultValue;
}

function stringOr(value: unknown, fallback: string): string {
  return typeof value === 'string' && value.trim() ? value.trim() : fallback;
}

function stringList(value: unknown): readonly string[] {
  return Array.isArray(value) ? Object.freeze(value.filter((entry): entry is string => typeof entry === 'string' && entry.trim() !== '')) : [];
}

function numberIn(value: unknown, fallback: number, min: number, max: number): number {
  return typeof value === 'number' && Number.isFinite(value) ? Math.min(max, Math.max(min, value)) : fallback;
}

/** VS Code's proxy settings, from the user's own settings only (a workspace cannot reroute the key). */
export interface ProxySettings {
  readonly proxy?: string;
  readonly strictSSL: boolean;
  readonly noProxy: readonly string[];
}

export function readProxySettings(): ProxySettings {
  const http = vscode.workspace.getConfiguration('http');
  const proxy = userLevel<string>(http, 'proxy');
  const noProxy = userLevel<string[]>(http, 'noProxy');
  return {
    proxy: typeof proxy === 'string' && proxy.trim() ? proxy.trim() : undefined,
    strictSSL: userLevel<boolean>(http, 'proxyStrictSSL') !== false,
    noProxy: Array.isArray(noProxy) ? noProxy.filter((entry) => typeof entry === 'string') : [],
  };
}

/** The upload edit's kind in the drop and paste widget (`markdown.link.kieUpload`). */
const UPLOAD_EDIT_KIND = 'markdown.link.kieUpload';

/**
 * Whether the workspace itself (not the user) names the upload edit in VS Code's
 * `editor.dropIntoEditor.preferences` or `editor.pasteAs.preferences`: that would make a plain drop
 * or paste send the file to a public link with no choice made, so the edit is then not offered.
 * The user's own settings (also per language) may prefer it.
 */
export function workspacePrefersUploadEdit(document: { uri: vscode.Uri; languageId: string }, gesture: 'drop' | 'paste'): boolean {
  const key = gesture === 'drop' ? 'dropIntoEditor.preferences' : 'pasteAs.preferences';
  const inspected = vscode.workspace.getConfiguration('editor', { uri: document.uri, languageId: document.languageId }).inspect<unknown>(key);
  const workspaceValues = [inspected?.workspaceValue, inspected?.workspaceFolderValue, inspected?.workspaceLanguageValue, inspected?.workspaceFolderLanguageValue];
  return workspaceValues.some(
    (value) => Array.isArray(value) && value.some((kind) => typeof kind === 'string' && (kind === UPLOAD_EDIT_KIND || kind.startsWith(`${UPLOAD_EDIT_KIND}.`))),
  );
}
