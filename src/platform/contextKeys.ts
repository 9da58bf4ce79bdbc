import * as vscode from 'vscode';

/** The context keys the extension sets: menus, the welcome view and the walkthrough depend on them. */
export const ContextKeys = {
  hasApiKey: 'kieUpload.hasApiKey',
  hasUploaded: 'kieUpload.hasUploaded',
  hasInsertedLink: 'kieUpload.hasInsertedLink',
} as const;

export type ContextKey = (typeof ContextKeys)[keyof typeof ContextKeys];

/**
 * Sets a context key, and remembers its value: the editor's context is global state that an
 * extension can write but not read back, and the integration tests check what was set.
 */
const values = new Map<ContextKey, boolean>();

export async function setContextKey(key: ContextKey, value: boolean): Promise<void> {
  values.set(key, value);
  await vscode.commands.executeCommand('setContext', key, value);
}

export function contextKeyValue(key: ContextKey): boolean | undefined {
  return values.get(key);
}
