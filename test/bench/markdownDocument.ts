/**
 * A large Markdown document for bench P7, the same on every run: a README or a wiki page grown to
 * 1 MiB. Sections of prose with inline links and images, reference links and their definitions,
 * lists (nested, numbered, with task boxes), block quotes, fenced and indented code holding
 * link-like text, tables, HTML blocks with `<img>`, autolinks, emphasis and code spans.
 */

const WORDS = (
  'the upload of a file goes to the service which keeps it for three days and answers with a link that anyone may open ' +
  'while it lasts so a screenshot in a document points there instead of the disk where it was taken and the page ' +
  'reads the same on every machine the team uses when they review a change or write notes for the next release'
).split(' ');

/** A small deterministic generator (mulberry32): the document must not change between runs. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Writer {
  private readonly next = random(0x5eed);
  readonly parts: string[] = [];
  size = 0;

  pick<T>(list: readonly T[]): T {
    return list[Math.floor(this.next() * list.length)];
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  int(max: number): number {
    return Math.floor(this.next() * max);
  }

  words(n: number): string {
    return Array.from({ length: n }, () => this.pick(WORDS)).join(' ');
  }

  line(text: string): void {
    this.parts.push(text, '\n');
    this.size += Buffer.byteLength(text) + 1;
  }

  /** An inline construct with a destination. */
  target(section: number): string {
    const n = this.int(1000);
    switch (this.int(9)) {
      case 0:
        return `![${this.words(2)}](./images/section-${section}/shot-${n}.png)`;
      case 1:
        return `![${this.words(1)}](<assets/screen shot ${n}.png> "${this.words(2)}")`;
      case 2:
        return `[${this.words(2)}](https://example.com/docs/${section}/page-${n}.html#part-${n % 7})`;
      case 3:
        return `[${this.words(1)}](../guide/chapter-${n}.md)`;
      case 4:
        return `[**${this.words(2)}**](https://kie.example/r/${n}?ref=doc&amp;v=${section})`;
      case 5:
        return `<https://status.example.com/incidents/${n}>`;
      case 6:
        return `<img src="media/diagram-${n}.svg" alt="${this.words(2)}" width="${200 + (n % 400)}">`;
      case 7:
        return `![${this.words(1)}][fig-${section}-${n % 2}]`;
      default:
        return `[${this.words(2)}][ref-${section}-${n % 2}]`;
    }
  }

  sentence(section: number): string {
    const bits = [this.words(2 + this.int(4))];
    bits.push(this.target(section));
    bits.push(this.words(1 + this.int(4)));
    if (this.chance(0.8)) {
      bits.push(this.target(section), this.words(1 + this.int(3)));
    }
    if (this.chance(0.15)) {
      bits.push(`\`config.${this.pick(WORDS)}\``);
    }
    if (this.chance(0.15)) {
      bits.push(`*${this.words(2)}*`);
    }
    return `${bits.join(' ')}.`;
  }

  paragraph(section: number, lines: number): void {
    for (let i = 0; i < lines; i++) {
      this.line(this.sentence(section));
    }
    this.line('');
  }
}

/** Reference definitions used by the section's `[text][ref-…]` and `![alt][fig-…]`. */
function definitions(w: Writer, section: number): void {
  for (let k = 0; k < 2; k++) {
    w.line(`[ref-${section}-${k}]: https://example.com/reference/${section}/${k} "${w.words(2)}"`);
    w.line(`[fig-${section}-${k}]: <./figures/figure ${section}-${k}.png>`);
  }
  w.line('');
}

function block(w: Writer, section: number): void {
  switch (w.int(8)) {
    case 0:
      for (let i = 0; i < 3 + w.int(4); i++) {
        w.line(`- ${w.sentence(section)}`);
        if (w.chance(0.3)) {
          w.line(`  - [${w.chance(0.5) ? 'x' : ' '}] ${w.sentence(section)}`);
        }
      }
      w.line('');
      break;
    case 1:
      for (let i = 1; i <= 3 + w.int(4); i++) {
        w.line(`${i}. ${w.sentence(section)}`);
      }
      w.line('');
      break;
    case 2:
      w.line('```ts');
      for (let i = 0; i < 2 + w.int(4); i++) {
        w.line(`const link${i} = '[not a link](./code-${i}.png)'; // ${w.words(4)}`);
      }
      w.line('```');
      w.line('');
      break;
    case 3:
      w.line(`> ${w.sentence(section)}`);
      w.line(`> ${w.sentence(section)}`);
      w.line('');
      break;
    case 4:
      w.line('| name | preview | notes |');
      w.line('|---|---|---|');
      for (let i = 0; i < 3 + w.int(4); i++) {
        w.line(`| ${w.words(1)} | ${w.target(section)} | ${w.words(3)} |`);
      }
      w.line('');
      break;
    case 5:
      w.line('<p align="center">');
      w.line(`  <img src="./banner/section-${section}.png" alt="${w.words(2)}">`);
      w.line(`  <img src='./badges/build-${section}.svg'>`);
      w.line('</p>');
      w.line('');
      break;
    case 6:
      w.line('    $ kie upload ./screenshots/[draft](x.png) --keep 72h');
      w.line(`    ${w.words(6)}`);
      w.line('');
      break;
    default:
      w.paragraph(section, 2 + w.int(4));
  }
}

/** The document: UTF-8, at least `bytes` long, cut at a section's end. */
export function largeMarkdownDocument(bytes: number): string {
  const w = new Writer();
  w.line('---');
  w.line('title: "A long page: [front](matter.png)"');
  w.line('---');
  w.line('');
  for (let section = 1; w.size < bytes; section++) {
    w.line(`## ${section}. ${w.words(4)}`);
    w.line('');
    w.paragraph(section, 3 + w.int(4));
    for (let i = 0; i < 3; i++) {
      block(w, section);
    }
    definitions(w, section);
  }
  return w.parts.join('');
}
