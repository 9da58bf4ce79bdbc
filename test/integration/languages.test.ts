import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { Emulator } from '../emulator/server';
import { api, applyEdit, cleanUp, untilSettled, useEmulator, workspaceFile } from './helpers';
import { linkTemplateProblems } from '../../src/markdown/editorLinks';

/** Drops the workspace's diagram.png into an empty document of `language`; resolves with its text once the link is in. */
async function dropInto(language: string, file = 'diagram.png'): Promise<{ text: string; url: string }> {
  const { testing } = await api();
  const settledBefore = testing.settledDropsAndPastes.length;
  const editor = await vscode.window.showTextDocument(await vscode.workspace.openTextDocument({ language, content: '' }));
  assert.equal(editor.document.languageId, language, `the editor knows ${language}`);
  const transfer = new vscode.DataTransfer();
  transfer.set('text/uri-list', new vscode.DataTransferItem(workspaceFile(file).toString()));
  const edit = await testing.dropPaste!.provideDocumentDropEdits(editor.document, editor.selection.active, transfer);
  assert.ok(edit, `an upload edit is offered in ${language}`);
  await applyEdit(editor, edit, () => testing.dropPaste!.resolveDocumentDropEdit(edit));
  const [outcome] = await untilSettled(settledBefore + 1);
  assert.ok(outcome.record, outcome.error?.message);
  return { text: editor.document.getText(), url: outcome.record.url };
}

describe('drop and paste in every language people write in', () => {
  let emulator: Emulator;
  const config = () => vscode.workspace.getConfiguration('kieUpload');

  before(async () => {
    emulator = await useEmulator();
  });
  afterEach(async () => {
    await config().update('dropAndPaste.languages', undefined, vscode.ConfigurationTarget.Global);
    await config().update('linkTemplate', undefined, vscode.ConfigurationTarget.Global);
    for (const languageId of ['latex', 'html']) {
      await vscode.workspace.getConfiguration('kieUpload', { languageId }).update('linkTemplate', undefined, vscode.ConfigurationTarget.Global, true);
    }
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });
  after(() => cleanUp(emulator));

  const expected: Record<string, (url: string) => string> = {
    html: (url) => `<img src="${url}" alt="diagram">`,
    latex: (url) => `\\includegraphics{${url}}`,
    restructuredtext: (url) => `.. image:: ${url}\n   :alt: diagram`,
    plaintext: (url) => url,
    // Languages of their own extensions: the test editor has their ids from test/fixtures/languages-extension.
    asciidoc: (url) => `image::${url}[diagram]`,
    org: (url) => `[[${url}][diagram]]`,
  };
  for (const [language, syntax] of Object.entries(expected)) {
    it(`${language}: an image dropped in becomes ${syntax('URL').split('\n')[0]}`, async () => {
      const { text, url } = await dropInto(language);
      assert.equal(text, syntax(url));
    });
  }

  it('a language the user adds to kieUpload.dropAndPaste.languages gets the edit (its links by kieUpload.linkFormat for it); one left out does not', async () => {
    const { testing } = await api();
    const document = await vscode.workspace.openTextDocument({ language: 'python', content: '' });
    const transfer = () => {
      const data = new vscode.DataTransfer();
      data.set('text/uri-list', new vscode.DataTransferItem(workspaceFile('diagram.png').toString()));
      return data;
    };
    // The provider itself answers for any document; what a language gets is decided by registration.
    const registered = async () => {
      const deadline = Date.now() + 3000;
      while (Date.now() < deadline && !testing.dropPasteLanguages?.includes('python')) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      return testing.dropPasteLanguages ?? [];
    };
    assert.deepEqual([...(testing.dropPasteLanguages ?? [])], ['asciidoc', 'html', 'latex', 'markdown', 'mdx', 'org', 'plaintext', 'restructuredtext', 'tex'], 'the defaults');
    await config().update('dropAndPaste.languages', ['markdown', 'python'], vscode.ConfigurationTarget.Global);
    assert.deepEqual([...(await registered())], ['markdown', 'python'], 'python is registered once the user adds it, html no longer');
    try {
      await vscode.workspace.getConfiguration('kieUpload', { languageId: 'python' }).update('linkFormat', 'markdown', vscode.ConfigurationTarget.Global, true);
      const { text, url } = await dropInto('python');
      assert.equal(text, `![diagram](${url})`);
    } finally {
      await vscode.workspace.getConfiguration('kieUpload', { languageId: 'python' }).update('linkFormat', undefined, vscode.ConfigurationTarget.Global, true);
    }
    assert.ok(await testing.dropPaste!.provideDocumentDropEdits(document, new vscode.Position(0, 0), transfer()));
  });

  it('kieUpload.linkTemplate for a language writes the user\'s own link', async () => {
    await vscode.workspace
      .getConfiguration('kieUpload', { languageId: 'latex' })
      .update('linkTemplate', '\\begin{figure}\\n\\includegraphics[width=\\linewidth]{${url}}\\n\\caption{${alt}, ${size} bytes}\\n\\end{figure}', vscode.ConfigurationTarget.Global, true);
    const { text, url } = await dropInto('latex');
    assert.equal(text, `\\begin{figure}\n\\includegraphics[width=\\linewidth]{${url}}\n\\caption{diagram, ${(await vscode.workspace.fs.stat(workspaceFile('diagram.png'))).size} bytes}\n\\end{figure}`);
  });

  it('a link template with an unknown variable is reported when it is set, and the language\'s own syntax is used instead', async () => {
    await vscode.workspace.getConfiguration('kieUpload', { languageId: 'html' }).update('linkTemplate', '<img src="${link}">', vscode.ConfigurationTarget.Global, true);
    assert.deepEqual(linkTemplateProblems(), ['kieUpload.linkTemplate for html is not used: ${link} is not one of ${url}, ${downloadUrl}, ${alt}, ${fileName}, ${size}, ${expiresAt}.']);
    const { text, url } = await dropInto('html');
    assert.equal(text, `<img src="${url}" alt="diagram">`);
    await vscode.workspace.getConfiguration('kieUpload', { languageId: 'html' }).update('linkTemplate', undefined, vscode.ConfigurationTarget.Global, true);
    assert.deepEqual(linkTemplateProblems(), []);
  });
});
