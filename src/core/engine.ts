/**
 * The upload engine's entry point. esbuild.js builds it into a bundle of its own, dist/engine.js,
 * which the extension loads on its first upload: undici, the MIME tables and the multipart
 * encoder cost nothing at activation.
 */
import { config } from '@vscode/l10n';

export { KieClient } from './client';
export { mimeExtension } from './mime';
export { proxyFor } from './proxy';
export { sha256OfBytes, sha256OfFile } from './hash';
export { wouldEditMetadata } from './images/prepare';

/** Translations for the engine's messages: the editor's l10n bundle for its display language. */
export function useTranslations(contents: Record<string, string>): void {
  config({ contents });
}
export { describeSensitive, findSensitive, inspectFile, readHead, sensitiveByContent, sensitiveByName } from './sensitive';
