/**
 * The upload engine's entry point. esbuild.js builds it into a bundle of its own, dist/engine.js,
 * which the extension loads on its first upload: undici, the MIME tables and the multipart
 * encoder cost nothing at activation.
 */
export { KieClient } from './client';
export { mimeExtension } from './mime';
export { proxyFor } from './proxy';
