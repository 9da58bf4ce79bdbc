import type { LinkTarget } from './targets';

const ONE_LINE: readonly number[] = [0];

/**
 * A region of a document: the text of a paragraph, heading or HTML block with container prefixes
 * removed, lines joined by '\n', and a map back to document offsets.
 */
export class Region {
  /**
   * Document offsets: start and end of each segment, the segments joined by '\n'. Lines that
   * follow each other with a bare '\n' between are one segment (the document's own text), so
   * most regions hold one segment however many lines they have.
   */
  private readonly lines: number[];
  /** Content offset of each segment, with the content, built when first asked for. */
  private starts: readonly number[] = ONE_LINE;
  private text: string | undefined = undefined;

  /** A region whose first line's part is the document's [start, end). */
  constructor(
    private readonly doc: string,
    readonly inline: boolean,
    readonly paragraph: boolean,
    start: number,
    end: number,
  ) {
    this.lines = [start, end];
  }

  /** Adds the next line's part, the document's [start, end). */
  add(start: number, end: number): void {
    const lines = this.lines;
    const last = lines.length - 1;
    if (start === lines[last] + 1) {
      lines[last] = end;
    } else {
      lines.push(start, end);
    }
    this.text = undefined;
  }

  get content(): string {
    return this.text ?? this.build();
  }

  private build(): string {
    const { doc, lines } = this;
    if (lines.length === 2) {
      this.starts = ONE_LINE;
      return (this.text = doc.slice(lines[0], lines[1]));
    }
    const parts: string[] = [];
    const starts: number[] = [];
    let length = 0;
    for (let k = 0; k < lines.length; k += 2) {
      starts.push(length);
      parts.push(doc.slice(lines[k], lines[k + 1]));
      length += lines[k + 1] - lines[k] + 1;
    }
    this.starts = starts;
    return (this.text = parts.join('\n'));
  }

  /** The document offset of a content offset (exact for any offset that is not a joining '\n'). */
  toDoc(pos: number): number {
    if (this.text === undefined) {
      this.build();
    }
    const starts = this.starts;
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= pos) {
        lo = mid;
      } else {
        hi = mid - 1;
      }
    }
    return this.lines[2 * lo] + (pos - starts[lo]);
  }

  /** Adds the destination at content offsets [start, end). */
  report(out: LinkTarget[], start: number, end: number, target: string, angleBrackets: boolean, kind: LinkTarget['kind'], text: string): void {
    const docStart = this.toDoc(start);
    // An indexed store, not push(): V8's optimised push deoptimises as this array grows large.
    out[out.length] = { target, start: docStart, end: docStart + (end - start), angleBrackets, kind, text };
  }
}
