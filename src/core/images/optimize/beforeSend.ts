/**
 * The client's hook: applies `kieUpload.images.optimize` to an image about to be sent. Bundled
 * into the engine; the codecs (`./index`, dist/images.js) are loaded only when an image is
 * actually optimised.
 */
import { readFile, stat } from 'node:fs/promises';
import * as l10n from '@vscode/l10n';
import { UploadError } from '../../errors';
import { formatBytes } from '../../validation';
import type { Logger } from '../../types';
import type { OptimizeFacts } from './index';
import { parseOptimizeSetting, willOptimise } from './settings';

export { willOptimise } from './settings';

/** Files larger than this are not read whole to be optimised (the pixel limit refuses them anyway). */
export const MAX_READ_BYTES = 256 * 1024 * 1024;

/** The note on a record, in the editor's language: "1.9 MB → 310 KB, 1920 px wide, WebP". */
export function describeOptimisation(facts: OptimizeFacts): string {
  switch (facts.kind) {
    case 'resized':
      return l10n.t('{0} → {1}, {2} px wide, {3}', formatBytes(facts.before), formatBytes(facts.after), facts.width, facts.format);
    case 'lossless':
      return l10n.t('{0} → {1}, lossless PNG', formatBytes(facts.before), formatBytes(facts.after));
    default:
      return l10n.t('not optimised: {0}×{1} is over {2} MP', facts.width, facts.height, facts.limitMp);
  }
}

/** The picture turned upright and encoded anew (see `turnUpright` in ./index): loads the codecs. */
export async function turnUprightBeforeSend(bytes: Uint8Array, kind: 'jpeg' | 'png' | 'webp', orientation: number): Promise<Uint8Array> {
  const { turnUpright } = await import('./index');
  return turnUpright(bytes, kind, orientation);
}

export interface Prepared {
  readonly data: Uint8Array;
  readonly fileName: string;
  readonly note?: string;
}

/**
 * `undefined` when the file is sent as it is with nothing to say; otherwise the bytes and name to
 * send (the original ones when optimisation did not help) and the note for the record.
 * A malformed setting is an `invalid-input` error: nothing is sent.
 */
export async function optimizeBeforeSend(
  input: { path?: string; data?: Uint8Array },
  fileName: string,
  setting: unknown,
  logger: Logger,
): Promise<Prepared | undefined> {
  let spec;
  try {
    spec = parseOptimizeSetting(setting);
  } catch (error) {
    throw new UploadError('invalid-input', (error as Error).message);
  }
  if (spec.kind === 'off' || !willOptimise(setting, fileName)) {
    return undefined;
  }
  try {
    const data = input.data ?? ((await stat(input.path!)).size <= MAX_READ_BYTES ? new Uint8Array(await readFile(input.path!)) : undefined);
    if (!data) {
      return undefined;
    }
    const { optimizeImage } = await import('./index');
    const result = await optimizeImage(data, fileName, spec);
    if (result.error) {
      logger.warn(`Image optimisation of ${fileName} failed (${result.error}); the original is sent.`);
    }
    return result.changed || result.facts ? { data: result.bytes, fileName: result.fileName, note: result.facts && describeOptimisation(result.facts) } : undefined;
  } catch (error) {
    logger.warn(`Image optimisation of ${fileName} failed (${(error as Error).message}); the original is sent.`);
    return undefined;
  }
}
