import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { CommandIds } from '../../src/commands/command';
import { api, extension } from './helpers';

describe('commands', () => {
  it('registers every contributed command, and contributes every registered kieUpload command', async () => {
    await api();
    const contributed: string[] = extension().packageJSON.contributes.commands.map((command: { command: string }) => command.command).sort();
    // The workbench adds focus/toggle commands for every contributed view; those are not ours.
    const views: string[] = Object.values(extension().packageJSON.contributes.views as Record<string, Array<{ id: string }>>).flat().map((view) => `${view.id}.`);
    const registered = (await vscode.commands.getCommands(true))
      .filter((id) => id.startsWith('kieUpload.') && !views.some((prefix) => id.startsWith(prefix)))
      .sort();
    assert.deepEqual(registered, contributed);
    assert.deepEqual([...Object.values(CommandIds)].sort(), contributed, 'the command table matches the manifest');
  });

  it('hides item-only commands from the Command Palette', () => {
    const palette: Array<{ command: string; when?: string }> = extension().packageJSON.contributes.menus?.commandPalette ?? [];
    const hidden = new Set(palette.filter((entry) => entry.when === 'false').map((entry) => entry.command));
    for (const id of ['kieUpload.copyLink', 'kieUpload.removeFromHistory']) {
      if (extension().packageJSON.contributes.commands.some((command: { command: string }) => command.command === id)) {
        assert.ok(hidden.has(id), `${id} must be hidden from the palette`);
      }
    }
  });
});
