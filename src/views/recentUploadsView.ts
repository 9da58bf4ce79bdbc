import * as vscode from 'vscode';
import { describeExpiry, expiryState, nextLabelChange, type ExpiryState } from '../core/expiry';
import type { UploadHistory } from '../core/history';
import { HISTORY_THROTTLE_MS, throttle } from '../core/throttle';
import type { UploadRecord } from '../core/types';
import { formatBytes } from '../core/validation';

export const RECENT_UPLOADS_VIEW = 'kieUpload.recentUploads';
const DAY = 24 * 3_600_000;

type GroupId = ExpiryState;

/** A group of uploads by what the user must know first: what is about to die. */
export class GroupNode {
  constructor(
    readonly id: GroupId,
    readonly records: readonly UploadRecord[],
  ) {}
}

/** One upload in the tree; tree-item commands receive it. */
export class UploadNode {
  constructor(
    readonly record: UploadRecord,
    readonly state: ExpiryState,
  ) {}
}

export type RecentUploadsNode = GroupNode | UploadNode;

const GROUP_LABELS: Record<GroupId, () => string> = {
  expiring: () => vscode.l10n.t('Expiring within 24 h'),
  active: () => vscode.l10n.t('Active'),
  expired: () => vscode.l10n.t('Expired'),
};

/**
 * Turns the history model into tree items. Labels say how long each link lives; the view
 * redraws itself exactly when a label would change, never by polling every second.
 */
export class RecentUploadsProvider implements vscode.TreeDataProvider<RecentUploadsNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<RecentUploadsNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private timer?: NodeJS.Timeout;
  private readonly subscription: { dispose(): void };

  constructor(
    private readonly history: UploadHistory,
    private readonly now: () => number = Date.now,
  ) {
    // A folder of uploads changes the history with every file: the view redraws at most every 100 ms.
    const refreshSoon = throttle(() => this.refresh(), HISTORY_THROTTLE_MS);
    const subscription = history.onDidChange(refreshSoon);
    this.subscription = { dispose: () => (subscription.dispose(), refreshSoon.dispose()) };
    this.schedule();
  }

  refresh(): void {
    this.changed.fire(undefined);
    this.schedule();
  }

  /** How many uploads die within a day: the view's badge. */
  expiringCount(): number {
    const now = this.now();
    return this.history.list().filter((record) => expiryState(record.expiresAt, now, DAY) === 'expiring').length;
  }

  getChildren(node?: RecentUploadsNode): RecentUploadsNode[] {
    if (node instanceof UploadNode) {
      return [];
    }
    const now = this.now();
    if (node instanceof GroupNode) {
      return node.records.map((record) => new UploadNode(record, expiryState(record.expiresAt, now, DAY)));
    }
    const groups: Record<GroupId, UploadRecord[]> = { expiring: [], active: [], expired: [] };
    for (const record of this.history.list()) {
      groups[expiryState(record.expiresAt, now, DAY)].push(record);
    }
    // The soonest to expire first inside "Expiring"; the others stay newest first.
    groups.expiring.sort((a, b) => Date.parse(a.expiresAt) - Date.parse(b.expiresAt));
    return (Object.keys(groups) as GroupId[]).filter((id) => groups[id].length > 0).map((id) => new GroupNode(id, groups[id]));
  }

  getTreeItem(node: RecentUploadsNode): vscode.TreeItem {
    if (node instanceof GroupNode) {
      const item = new vscode.TreeItem(GROUP_LABELS[node.id](), node.id === 'expired' ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.Expanded);
      item.id = `group:${node.id}`;
      item.description = String(node.records.length);
      item.contextValue = `group.${node.id}`;
      return item;
    }
    return uploadTreeItem(node, this.now());
  }

  getParent(node: RecentUploadsNode): RecentUploadsNode | undefined {
    if (node instanceof UploadNode) {
      return this.getChildren().find((group) => group instanceof GroupNode && group.records.some((record) => record.id === node.record.id));
    }
    return undefined;
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.subscription.dispose();
    this.changed.dispose();
  }

  private schedule(): void {
    clearTimeout(this.timer);
    const delay = nextLabelChange(this.history.list().map((record) => record.expiresAt), this.now());
    if (delay !== undefined) {
      // setTimeout cannot wait longer than ~24.8 days; a label changes sooner anyway.
      this.timer = setTimeout(() => this.refresh(), Math.min(delay, 2 ** 31 - 1));
    }
  }
}

function uploadTreeItem(node: UploadNode, now: number): vscode.TreeItem {
  const { record, state } = node;
  const item = new vscode.TreeItem(record.fileName, vscode.TreeItemCollapsibleState.None);
  item.id = `upload:${record.id}`;
  const keptAlive = isKeptAlive(record, now);
  const expiry = describeExpiry(record.expiresAt, now, vscode.env.language);
  // The mark comes first, so a kept-alive link is told apart at a glance (and by screen readers).
  item.description = keptAlive ? vscode.l10n.t('⟳ kept alive until {0} · {1}', shortDate(record.keepAliveUntil as string), expiry) : expiry;
  item.contextValue = state === 'expired' ? 'upload.expired' : keptAlive ? 'upload.keepAlive' : 'upload';
  item.iconPath = keptAlive ? new vscode.ThemeIcon('sync', new vscode.ThemeColor('charts.green')) : new vscode.ThemeIcon(iconFor(record.mimeType), stateColor(state));
  item.tooltip = tooltip(record, now);
  item.accessibilityInformation = { label: `${record.fileName}, ${item.description}` };
  return item;
}

function isKeptAlive(record: UploadRecord, now: number): boolean {
  return Boolean(record.keepAliveUntil) && Date.parse(record.keepAliveUntil as string) > now && Date.parse(record.expiresAt) > now;
}

function shortDate(iso: string): string {
  return new Date(iso).toLocaleString(vscode.env.language, { weekday: 'short', month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit' });
}

function iconFor(mimeType: string): string {
  if (mimeType.startsWith('image/')) {
    return 'file-media';
  }
  if (mimeType.startsWith('video/')) {
    return 'device-camera-video';
  }
  if (mimeType.startsWith('audio/')) {
    return 'unmute';
  }
  if (mimeType === 'application/pdf' || mimeType.startsWith('text/') || mimeType.includes('document')) {
    return 'file-text';
  }
  if (/zip|tar|gzip|compressed/.test(mimeType)) {
    return 'file-zip';
  }
  return 'file';
}

function stateColor(state: ExpiryState): vscode.ThemeColor | undefined {
  if (state === 'expired') {
    return new vscode.ThemeColor('disabledForeground');
  }
  return state === 'expiring' ? new vscode.ThemeColor('list.warningForeground') : undefined;
}

function tooltip(record: UploadRecord, now: number): vscode.MarkdownString {
  const when = (iso: string) => new Date(iso).toLocaleString(vscode.env.language);
  const markdown = new vscode.MarkdownString(undefined, true);
  markdown.appendMarkdown(`**${escape(record.fileName)}** — ${escape(describeExpiry(record.expiresAt, now, vscode.env.language))}\n\n`);
  if (isKeptAlive(record, now)) {
    markdown.appendMarkdown(`$(sync) ${escape(vscode.l10n.t('Kept alive: renewed with the same bytes before it expires, until {0}.', when(record.keepAliveUntil as string)))}\n\n`);
  }
  if (record.notes?.length) {
    markdown.appendMarkdown(`${escape(vscode.l10n.t('Before sending: {0}.', record.notes.join('; ')))}\n\n`);
  }
  markdown.appendMarkdown(`| | |\n|---|---|\n`);
  const rows: Array<[string, string]> = [
    [vscode.l10n.t('Size'), formatBytes(record.fileSize)],
    [vscode.l10n.t('Type'), record.mimeType],
    [vscode.l10n.t('Upload path'), record.uploadPath],
    [vscode.l10n.t('Uploaded'), when(record.uploadedAt)],
    [vscode.l10n.t('Expires'), when(record.expiresAt)],
    ...(isKeptAlive(record, now) ? [[vscode.l10n.t('Kept alive until'), when(record.keepAliveUntil as string)] as [string, string]] : []),
    ...(record.sha256 ? [[vscode.l10n.t('SHA-256'), record.sha256] as [string, string]] : []),
    [vscode.l10n.t('Link'), record.url],
    [vscode.l10n.t('Download link'), record.downloadUrl],
    [vscode.l10n.t('Source'), record.source],
  ];
  for (const [name, value] of rows) {
    markdown.appendMarkdown(`| ${escape(name)} | ${escape(value)} |\n`);
  }
  if (record.mimeType.startsWith('image/') && Date.parse(record.expiresAt) > now) {
    markdown.appendMarkdown(`\n![${escape(record.fileName)}](${record.url.replace(/\)/g, '%29')}|width=240)`);
  }
  return markdown;
}

function escape(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, '\\$&');
}

/** Shows the provider in the Recent Uploads view, with a badge counting links that die within a day. */
export function registerRecentUploadsView(provider: RecentUploadsProvider): vscode.Disposable {
  const view = vscode.window.createTreeView(RECENT_UPLOADS_VIEW, { treeDataProvider: provider, canSelectMany: true, showCollapseAll: true });
  const updateBadge = () => {
    const count = provider.expiringCount();
    view.badge = count > 0 ? { value: count, tooltip: vscode.l10n.t('{0} uploads expire within 24 hours', count) } : undefined;
  };
  updateBadge();
  return vscode.Disposable.from(view, provider.onDidChangeTreeData(updateBadge));
}
