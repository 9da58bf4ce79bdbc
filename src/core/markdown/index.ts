import { parseBlocks } from './blocks';
import { parseDefinitions } from './definitions';
import { scanHtml } from './html';
import { InlineScanner } from './inline';
import type { LinkTarget } from './targets';

export { classifyTarget, replacementFor, resolveLocalTarget, type LinkTarget } from './targets';

/**
 * A CommonMark-aware scanner of link and image destinations.
 *
 * It follows the block structure closely enough to know what is code and what is raw HTML
 * (front matter, fenced and indented code, HTML blocks, block quotes, list items) and then
 * reads each paragraph and heading the way CommonMark's inline parser does: left to right,
 * with code spans, autolinks and raw HTML taking their precedence, a bracket stack for link
 * text, and reference definitions collected before any reference is resolved. It reports
 * where each destination is written so it can be replaced in place.
 */

/** All destinations in `markdown`, in document order. Empty destinations (`[a]()`) are not reported. */
export function scanLinkTargets(markdown: string): LinkTarget[] {
  // 1. Block structure: the regions that can hold destinations, in document order.
  const regions = parseBlocks(markdown);
  // 2. Link reference definitions, all of them first: a reference may come before its definition.
  const refs = new Set<string>();
  const definitions: LinkTarget[] = [];
  const inlineFrom = new Array<number>(regions.length);
  const definitionsEnd = new Array<number>(regions.length);
  regions.forEach((region, index) => {
    // Definitions open paragraphs only: a heading's `[a]: b` is text.
    inlineFrom[index] = region.paragraph ? parseDefinitions(region, refs, definitions) : 0;
    definitionsEnd[index] = definitions.length;
  });
  // 3. Inline links and images, and 4. `<img src>` in HTML blocks. Regions do not overlap and
  // each reports in order, so putting each region's definitions first keeps document order.
  const out: LinkTarget[] = [];
  const inline = new InlineScanner(refs, out);
  let next = 0;
  regions.forEach((region, index) => {
    while (next < definitionsEnd[index]) {
      out.push(definitions[next++]);
    }
    if (region.inline) {
      inline.scan(region, inlineFrom[index]);
    } else {
      scanHtml(region, out);
    }
  });
  return out;
}
