/** One command of the extension: its id and what it does. */
export interface Command {
  readonly id: string;
  execute(...args: unknown[]): unknown;
}

/** Every command id the extension contributes; a test checks this against package.json. */
export const CommandIds = {
  uploadFiles: 'kieUpload.uploadFiles',
  uploadFromExplorer: 'kieUpload.uploadFromExplorer',
  uploadActiveFile: 'kieUpload.uploadActiveFile',
  uploadUrl: 'kieUpload.uploadUrl',
  uploadUrlsInSelection: 'kieUpload.uploadUrlsInSelection',
  cancelUploads: 'kieUpload.cancelUploads',
  setApiKey: 'kieUpload.setApiKey',
  clearApiKey: 'kieUpload.clearApiKey',
  copyLink: 'kieUpload.copyLink',
  copyDownloadLink: 'kieUpload.copyDownloadLink',
  copyMarkdownLink: 'kieUpload.copyMarkdownLink',
  insertLink: 'kieUpload.insertLink',
  openInBrowser: 'kieUpload.openInBrowser',
  downloadToWorkspace: 'kieUpload.downloadToWorkspace',
  reupload: 'kieUpload.reupload',
  removeFromHistory: 'kieUpload.removeFromHistory',
  verifyLink: 'kieUpload.verifyLink',
  clearExpired: 'kieUpload.clearExpired',
  refresh: 'kieUpload.refresh',
  uploadLocalImages: 'kieUpload.uploadLocalImages',
  reuploadLink: 'kieUpload.reuploadLink',
  keepAlive: 'kieUpload.keepAlive',
  stopKeepAlive: 'kieUpload.stopKeepAlive',
} as const;
