/**
 * The Markdown link scanner, as the rest of the extension imports it. It lives in `./markdown/`,
 * one file per step: block structure (`blocks.ts`), link reference definitions
 * (`definitions.ts`), inline links and images (`inline.ts`), `<img src>` in HTML (`html.ts`).
 */
export { classifyTarget, replacementFor, resolveLocalTarget, scanLinkTargets, type LinkTarget } from './markdown';
