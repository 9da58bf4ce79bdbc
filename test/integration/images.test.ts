import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as vscode from 'vscode';
import type { UploadOutcome, UploadRecord } from '../../src/core/types';
import { codecs } from '../../src/core/images/optimize/codecs';
import type { Emulator } from '../emulator/server';
import * as exifr from 'exifr';
import { heifWithPlace, videoWithPlace, jpegSegments, jpegWithPlace, placesIn, pngWithPlace, readExif, webpWithPlace } from '../fixtures/images';
import { api, applyEdit, cleanUp, FileItem, untilSettled, useEmulator, workspaceFile, writeWorkspaceSettings } from './helpers';

async function received(record: UploadRecord | undefined): Promise<Buffer> {
  assert.ok(record, 'uploaded');
  const response = await fetch(record.url);
  assert.equal(response.status, 200);
  return Buffer.from(await response.arrayBuffer());
}

describe('images: no location leaves the machine, whatever the door', function () {
  this.timeout(120_000);
  let emulator: Emulator;
  const written: string[] = [];
  const settings = () => vscode.workspace.getConfiguration('kieUpload');

  async function put(name: string, bytes: Uint8Array): Promise<vscode.Uri> {
    const uri = workspaceFile(name);
    await fs.writeFile(uri.fsPath, bytes);
    written.push(uri.fsPath);
    return uri;
  }

  before(async () => {
    emulator = await useEmulator();
  });
  afterEach(async () => {
    await settings().update('images.removeLocation', undefined, vscode.ConfigurationTarget.Global);
    await settings().update('images.removeAllMetadata', undefined, vscode.ConfigurationTarget.Global);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });
  after(async () => {
    await Promise.all(written.map((file) => fs.rm(file, { force: true })));
    await cleanUp(emulator);
  });

  it('Explorer (Upload to Kie) and Upload Again: a photo streamed from the workspace arrives without its place, its record says so', async () => {
    const jpeg = await jpegWithPlace(1600, 1200);
    const uri = await put('holiday.jpg', jpeg);
    const [outcome] = await vscode.commands.executeCommand<UploadOutcome[]>('kieUpload.uploadFiles', uri, [uri]);
    const bytes = await received(outcome.record);
    assert.deepEqual(placesIn(bytes, 'jpeg'), []);
    assert.equal(readExif(jpegSegments(bytes).find((s) => s.body.toString('latin1', 0, 4) === 'Exif')!.body).orientation, 6, 'orientation kept');
    assert.deepEqual(outcome.record!.notes, ['location removed']);
    assert.deepEqual((await api()).history()[0].notes, ['location removed'], 'Recent Uploads keeps the note');
    // And the stored history, which other windows and the next session read, carries it too.
    const { testing } = await api();
    const deadline = Date.now() + 5000;
    const stored = () => JSON.stringify(testing.globalState.get('kieUpload.history') ?? null);
    while (Date.now() < deadline && !stored().includes(outcome.record!.url)) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const entry = (JSON.parse(stored()) as { records?: Array<{ url: string; notes?: string[] }> }).records?.find((record) => record.url === outcome.record!.url);
    assert.deepEqual(entry?.notes, ['location removed'], 'the stored record keeps the note');
    const again = await vscode.commands.executeCommand<UploadOutcome>('kieUpload.reupload', outcome.record);
    assert.deepEqual(placesIn(await received(again.record), 'jpeg'), []);
  });

  it('an iPhone photo (HEIC) through the Explorer command arrives without its place, its orientation kept', async () => {
    const heic = heifWithPlace();
    const uri = await put('IMG_4032.HEIC', heic);
    const [outcome] = await vscode.commands.executeCommand<UploadOutcome[]>('kieUpload.uploadFiles', uri, [uri]);
    const bytes = await received(outcome.record);
    const exif = (await exifr.parse(bytes, { gps: true, translateValues: false })) as { latitude?: number; Orientation?: number };
    assert.equal(exif.latitude, undefined);
    assert.equal(exif.Orientation, 6);
    assert.doesNotMatch(bytes.toString('latin1'), /GPS|Berlin/, 'nor in its XMP');
    assert.equal(bytes.length, heic.length);
    assert.deepEqual(outcome.record!.notes, ['location removed']);
  });

  it('a phone\'s video (MOV) dropped into Markdown arrives without its place, and the link is inserted', async () => {
    const { testing } = await api();
    const settledBefore = testing.settledDropsAndPastes.length;
    const video = videoWithPlace();
    const uri = await put('IMG_4033.MOV', video);
    const editor = await vscode.window.showTextDocument(await vscode.workspace.openTextDocument({ language: 'markdown', content: '' }));
    const drop = new vscode.DataTransfer();
    drop.set('text/uri-list', new vscode.DataTransferItem(uri.toString()));
    const dropEdit = await testing.dropPaste!.provideDocumentDropEdits(editor.document, editor.selection.active, drop);
    assert.ok(dropEdit);
    await applyEdit(editor, dropEdit, () => testing.dropPaste!.resolveDocumentDropEdit(dropEdit));
    const [dropped] = await untilSettled(settledBefore + 1);
    const bytes = await received(dropped.record);
    assert.doesNotMatch(bytes.toString('latin1'), /52\.52|013\.40|Berlin|GPS/);
    assert.equal(bytes.length, video.length);
    assert.deepEqual(dropped.record!.notes, ['location removed']);
    assert.ok(editor.document.getText().includes(dropped.record!.url));
  });

  it('Reuse Link finds a photo that was sent with its location removed: the same file again gets that live link, nothing sent', async () => {
    const uri = await put('again.jpg', await jpegWithPlace(900, 600));
    const [first] = await (await api()).uploadFiles([uri]);
    assert.deepEqual(first.record?.notes, ['location removed']);
    assert.match(first.record?.sourceSha256 ?? '', /^[0-9a-f]{64}$/, 'the record names the file it was made from');
    assert.notEqual(first.record?.sourceSha256, first.record?.sha256, 'which differs from the bytes sent');
    const before = emulator.stats.requests;
    const [again] = await (await api()).uploadFiles([uri], { reuseLiveLink: true });
    assert.equal(again.record?.url, first.record?.url);
    assert.equal(emulator.stats.requests, before, 'nothing was sent');
  });

  it('drop of a workspace PNG and paste of a clipboard WebP into Markdown: the links serve images without a place', async () => {
    const { testing } = await api();
    const settledBefore = testing.settledDropsAndPastes.length;
    const png = await put('map.png', await pngWithPlace());
    const editor = await vscode.window.showTextDocument(await vscode.workspace.openTextDocument({ language: 'markdown', content: '' }));
    const drop = new vscode.DataTransfer();
    drop.set('text/uri-list', new vscode.DataTransferItem(png.toString()));
    const dropEdit = await testing.dropPaste!.provideDocumentDropEdits(editor.document, editor.selection.active, drop);
    assert.ok(dropEdit);
    await applyEdit(editor, dropEdit, () => testing.dropPaste!.resolveDocumentDropEdit(dropEdit));
    const [dropped] = await untilSettled(settledBefore + 1);
    assert.deepEqual(placesIn(await received(dropped.record), 'png'), []);
    const paste = new vscode.DataTransfer();
    paste.set('image/webp', new FileItem('image.webp', await webpWithPlace()));
    const [pasteEdit] = (await testing.dropPaste!.provideDocumentPasteEdits(editor.document, [editor.selection], paste, { only: undefined, triggerKind: vscode.DocumentPasteTriggerKind.Automatic })) ?? [];
    assert.ok(pasteEdit);
    await applyEdit(editor, pasteEdit, () => testing.dropPaste!.resolveDocumentPasteEdit(pasteEdit));
    const [pasted] = await untilSettled(settledBefore + 2);
    assert.equal(pasted.record?.method, 'base64');
    assert.deepEqual(placesIn(await received(pasted.record), 'webp'), []);
    assert.ok(editor.document.getText().includes(pasted.record!.url) && editor.document.getText().includes(dropped.record!.url), 'both links were inserted');
  });

  it('a paste with kieUpload.images.optimize on: its placeholder says it is being optimised, then the smaller image\'s link replaces it', async () => {
    await settings().update('images.optimize', { maxWidth: 32, format: 'webp' }, vscode.ConfigurationTarget.Global);
    const { testing } = await api();
    const settledBefore = testing.settledDropsAndPastes.length;
    const editor = await vscode.window.showTextDocument(await vscode.workspace.openTextDocument({ language: 'markdown', content: '' }));
    const paste = new vscode.DataTransfer();
    paste.set('image/png', new FileItem('shot.png', await pngWithPlace(640, 480)));
    emulator.faults.latencyMs = 1500;
    try {
      const [edit] = (await testing.dropPaste!.provideDocumentPasteEdits(editor.document, [editor.selection], paste, { only: undefined, triggerKind: vscode.DocumentPasteTriggerKind.Automatic })) ?? [];
      assert.ok(edit);
      await applyEdit(editor, edit, () => testing.dropPaste!.resolveDocumentPasteEdit(edit));
      assert.match(editor.document.getText(), /^!\[Optimising and uploading shot\.png…\]\(kie-upload-pending:[0-9a-f]+\)$/);
      const [outcome] = await untilSettled(settledBefore + 1);
      assert.equal(outcome.record?.fileName, 'shot.webp');
      assert.equal(editor.document.getText(), `![shot](${outcome.record!.url})`);
      assert.deepEqual(placesIn(await received(outcome.record), 'webp'), []);
    } finally {
      emulator.faults.latencyMs = 0;
      await settings().update('images.optimize', undefined, vscode.ConfigurationTarget.Global);
    }
  });

  it('the agent tool kie_upload_files and Upload Local Images in Document publish the photo without its place', async () => {
    const jpeg = await jpegWithPlace(800, 600);
    await put('agent.jpg', jpeg);
    const result = await vscode.lm.invokeTool('kie_upload_files', { input: { paths: ['agent.jpg'] }, toolInvocationToken: undefined });
    assert.ok(result.content.length);
    const record = (await api()).history().find((r) => r.fileName === 'agent.jpg');
    assert.deepEqual(placesIn(await received(record), 'jpeg'), []);
    await put('trip.jpg', jpeg);
    const doc = await put('trip.md', Buffer.from('# Trip\n\n![the lake](trip.jpg)\n'));
    (await api()).testing.confirmPublish = async () => true;
    try {
      const outcomes = await vscode.commands.executeCommand<UploadOutcome[]>('kieUpload.uploadLocalImages', doc);
      assert.equal(outcomes.length, 1);
      assert.deepEqual(placesIn(await received(outcomes[0].record), 'jpeg'), []);
    } finally {
      (await api()).testing.confirmPublish = undefined;
    }
  });

  it('removeAllMetadata (user settings): no Exif or XMP arrives, and the photo is upright', async () => {
    await settings().update('images.removeAllMetadata', true, vscode.ConfigurationTarget.Global);
    const [outcome] = await (await api()).uploadFiles([await put('portrait.jpg', await jpegWithPlace(320, 240))]);
    const bytes = await received(outcome.record);
    assert.ok(!jpegSegments(bytes).some((s) => s.marker === 0xe1), 'no APP1 (Exif, XMP) segment');
    const image = await (await codecs()).decode('jpeg', bytes);
    assert.deepEqual([image.width, image.height], [240, 320], 'turned as orientation 6 said');
    assert.deepEqual(outcome.record!.notes, ['all metadata removed', 'turned upright']);
  });

  it('a workspace cannot send a photo with its place: removeLocation false in .vscode/settings.json is ignored', async () => {
    const settingsFile = workspaceFile('.vscode/settings.json');
    const original = await fs.readFile(settingsFile.fsPath, 'utf8');
    try {
      await writeWorkspaceSettings(settingsFile, { ...(JSON.parse(original) as object), 'kieUpload.images.removeLocation': false });
      assert.equal(settings().inspect('images.removeLocation')?.workspaceValue ?? false, false, 'the workspace value is there to be ignored');
      const [outcome] = await (await api()).uploadFiles([await put('workspace-says.jpg', await jpegWithPlace(640, 480))]);
      assert.deepEqual(placesIn(await received(outcome.record), 'jpeg'), []);
    } finally {
      await writeWorkspaceSettings(settingsFile, JSON.parse(original) as Record<string, unknown>);
    }
  });

  it('removeLocation turned off in user settings: the photo is sent byte for byte', async () => {
    await settings().update('images.removeLocation', false, vscode.ConfigurationTarget.Global);
    const jpeg = await jpegWithPlace(640, 480);
    const [outcome] = await (await api()).uploadFiles([await put('as-is.jpg', jpeg)]);
    assert.ok((await received(outcome.record)).equals(jpeg));
  });
});
