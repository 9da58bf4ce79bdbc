import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import { classifyTarget, replacementFor, resolveLocalTarget, scanLinkTargets, type LinkTarget } from '../../src/core/markdownScan';

/** What a case expects of one reported destination; `raw` is the source text when escapes make it differ from `target`. */
interface Expected {
  target: string;
  kind: LinkTarget['kind'];
  angle?: boolean;
  text?: string;
  raw?: string;
}

/** Scans, and checks every range against the document: the range holds the destination as written. */
function scan(markdown: string): LinkTarget[] {
  const found = scanLinkTargets(markdown);
  let previousEnd = 0;
  for (const t of found) {
    assert.ok(t.start >= previousEnd && t.start < t.end && t.end <= markdown.length, `range ${t.start}-${t.end} of ${JSON.stringify(t.target)}`);
    previousEnd = t.end;
    if (t.angleBrackets && t.kind !== 'html') {
      assert.equal(markdown[t.start - 1], '<');
      assert.equal(markdown[t.end], '>');
    }
  }
  return found;
}

function check(markdown: string, expected: Expected[]): void {
  const found = scan(markdown);
  assert.deepEqual(
    found.map((t) => ({ target: t.target, kind: t.kind })),
    expected.map((e) => ({ target: e.target, kind: e.kind })),
  );
  found.forEach((t, i) => {
    const e = expected[i];
    assert.equal(markdown.slice(t.start, t.end), e.raw ?? e.target, `slice of ${JSON.stringify(e.target)}`);
    assert.equal(t.angleBrackets, e.angle ?? false, `angleBrackets of ${JSON.stringify(e.target)}`);
    if (e.text !== undefined) {
      assert.equal(t.text, e.text, `text of ${JSON.stringify(e.target)}`);
    }
  });
}

/** Replaces every reported destination (or those `pick` keeps) with `url(target)`, last first so offsets hold. */
function replaceAll(markdown: string, url: (t: LinkTarget) => string, pick: (t: LinkTarget) => boolean = () => true): string {
  let out = markdown;
  for (const t of scanLinkTargets(markdown).filter(pick).reverse()) {
    out = out.slice(0, t.start) + replacementFor(t, url(t)) + out.slice(t.end);
  }
  return out;
}

const link = (target: string, extra: Partial<Expected> = {}): Expected => ({ target, kind: 'link', ...extra });
const image = (target: string, extra: Partial<Expected> = {}): Expected => ({ target, kind: 'image', ...extra });
const definition = (target: string, extra: Partial<Expected> = {}): Expected => ({ target, kind: 'definition', ...extra });
const html = (target: string, extra: Partial<Expected> = {}): Expected => ({ target, kind: 'html', ...extra });

const BASE64 = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=='.repeat(400);

describe('scanLinkTargets: inline links and images', () => {
  const cases: [string, string, Expected[]][] = [
    ['a link', 'See [the docs](./docs/a.md).', [link('./docs/a.md', { text: 'the docs' })]],
    ['an image with a "title"', '![alt text](./img/a.png "A title")', [image('./img/a.png', { text: 'alt text' })]],
    ["an image with a 'title'", "![alt](img/a.png 'A title')", [image('img/a.png', { text: 'alt' })]],
    ['an image with a (title)', '![alt](img/a.png (A title))', [image('img/a.png')]],
    ['a title on the next line', '![alt](img/a.png\n"A title")', [image('img/a.png')]],
    ['spaces around the destination', '![alt](  img/a.png  )', [image('img/a.png')]],
    ['an angle-bracket destination', '![my pic](<my file.png>)', [image('my file.png', { angle: true, text: 'my pic' })]],
    ['an angle-bracket destination with a title', '[doc](<a (1).pdf> "t")', [link('a (1).pdf', { angle: true })]],
    ['an empty angle-bracket destination is not reported', '[a](<>) [b]()', []],
    ['nested brackets in the text', '[a [b] c](x.png)', [link('x.png', { text: 'a [b] c' })]],
    ['escaped brackets are not a link', '\\[not a link](x) and [a\\]b](y)', [link('y', { text: 'a]b' })]],
    ['an escaped backslash does not escape the bracket', '\\\\[yes](x)', [link('x')]],
    ['balanced parentheses in the destination', '![p](a(b).png) ![q](a(b(c)).png)', [image('a(b).png'), image('a(b(c)).png')]],
    ['unbalanced parentheses are not a destination', '[a](b(c) and [ok](d)', [link('d')]],
    ['backslash escapes in the destination', '[a](foo\\)bar.png)', [link('foo)bar.png', { raw: 'foo\\)bar.png' })]],
    ['character references in the destination', '[a](x.png?a=1&amp;b=2)', [link('x.png?a=1&b=2', { raw: 'x.png?a=1&amp;b=2' })]],
    ['a space ends a bare destination', '[a](my file.png)', []],
    ['several on one line', '![a](1.png)![b](2.png) [c](3.md)x[d](4)', [image('1.png'), image('2.png'), link('3.md'), link('4')]],
    ['a badge: an image inside a link', '[![build](https://ci/badge.svg)](https://ci/job)', [image('https://ci/badge.svg', { text: 'build' }), link('https://ci/job', { text: '![build](https://ci/badge.svg)' })]],
    ['a link inside an image description', '![a [b](c.md) d](e.png)', [link('c.md'), image('e.png', { text: 'a [b](c.md) d' })]],
    ['links do not nest: the inner one wins', '[a [b](c) d](e)', [link('c')]],
    ['link text across lines', '[two\nlines](x.png)', [link('x.png', { text: 'two\nlines' })]],
    ['a code span in link text hides its bracket', '[a `]` b](x.png)', [link('x.png', { text: 'a `]` b' })]],
    ['raw HTML in link text hides its bracket', '[a <span title="]">](x.png)', [link('x.png', { text: 'a <span title="]">' })]],
    ['a data URI', `![inline](data:image/png;base64,${BASE64})`, [image(`data:image/png;base64,${BASE64}`)]],
    ['a mailto link', '[mail](mailto:a@b.c)', [link('mailto:a@b.c')]],
    ['an anchor', '[top](#top)', [link('#top')]],
    ['emoji and right-to-left text', '![😀 שלום](./תמונה 😀.png) ![x](<./תמונה 😀.png>)', [image('./תמונה 😀.png', { angle: true })]],
  ];
  for (const [name, markdown, expected] of cases) {
    it(name, () => check(markdown, expected));
  }
});

describe('scanLinkTargets: autolinks and HTML', () => {
  const cases: [string, string, Expected[]][] = [
    ['an autolink', 'Go to <https://x.example/y.png>.', [link('https://x.example/y.png', { angle: true, text: 'https://x.example/y.png' })]],
    ['an autolink with another scheme', '<vscode:extension/x.y>', [link('vscode:extension/x.y', { angle: true })]],
    ['an email autolink is not a destination', '<someone@example.com>', []],
    ['an inline <img src="...">', 'Logo: <img src="logo.png" alt="The logo" width="20"> here', [html('logo.png', { text: 'The logo' })]],
    ["an inline <img src='...'>", "<IMG SRC='a b.png'>", [html('a b.png')]],
    ['an unquoted src', 'x <img src=a.png> y', [html('a.png')]],
    ['src with character references', '<img src="a.png?x=1&amp;y=2">', [html('a.png?x=1&y=2', { raw: 'a.png?x=1&amp;y=2' })]],
    ['an <img> alone on a line (an HTML block)', '<img src="./shot.png" alt="Shot">', [html('./shot.png', { text: 'Shot' })]],
    ['an <img> in an HTML block', '<div align="center">\n  <img src="a.png">\n  <img\n    src="b.png">\n</div>', [html('a.png'), html('b.png')]],
    ['an <img> in a <p> block', '<p align="center"><img src="c.png" width="100"></p>', [html('c.png')]],
    ['Markdown inside an HTML block is raw text', '<div>\n[a](b.png)\n</div>\n\n[c](d.png)', [link('d.png')]],
    ['an <img> inside link text', '[<img src="a.png">](b)', [html('a.png'), link('b')]],
    ['other tags are not reported', '<a href="x.md">x</a> <video src="v.mp4"></video>', []],
    ['an <img> without src', '<img alt="x">', []],
    ['an <img> after a comment in the same HTML block', '<!-- logo --><img src="logo.png">', [html('logo.png')]],
    ['a closing </pre> alone on a line starts an HTML block', '</pre>\n[a](x.png) <img src="y.png">', [html('y.png')]],
  ];
  for (const [name, markdown, expected] of cases) {
    it(name, () => check(markdown, expected));
  }
});

describe('scanLinkTargets: reference definitions', () => {
  const cases: [string, string, Expected[]][] = [
    ['a definition with a title', '[ref]: ./a.png "Title"', [definition('./a.png', { text: 'ref' })]],
    ['an angle-bracket definition', '[ref]: <my a.png> \'T\'', [definition('my a.png', { angle: true })]],
    ['indented up to three spaces', '   [ref]: ./a.png', [definition('./a.png')]],
    ['indented four spaces is code', '    [ref]: ./a.png', []],
    ['the destination on the next line', '[ref]:\n  ./a.png\n  "Title"', [definition('./a.png')]],
    ['several definitions', '[a]: 1.png\n[b]: 2.png (t)\n[c]: <3 3.png>', [definition('1.png'), definition('2.png'), definition('3 3.png', { angle: true })]],
    ['uses are not reported, the definition once', '![alt][ref] [ref] [x][ref] [ref][]\n\n[ref]: ./a.png', [definition('./a.png')]],
    ['a definition before its use', '[logo]: logo.png\n\n![Logo][logo]', [definition('logo.png')]],
    ['a title followed by text is not a definition', '[ref]: a.png "t" x', []],
    ['a definition cannot interrupt a paragraph', 'Text\n[ref]: a.png', []],
    ['a definition in a list item and a quote', '- [a]: 1.png\n\n> [b]: 2.png', [definition('1.png'), definition('2.png')]],
    ['a shortcut reference next to an inline link', '[ref] [x](y)\n\n[ref]: r', [link('y'), definition('r')]],
    ['a reference link deactivates outer link brackets', '[a [ref] b](c)\n\n[ref]: r', [definition('r')]],
    ['definitions with === below stay definitions', '[a]: 1.png\n===\n[b]: 2.png', [definition('1.png')]],
    ['a heading holds no definition', '# [a]: 1.png\n\n[a]', []],
  ];
  for (const [name, markdown, expected] of cases) {
    it(name, () => check(markdown, expected));
  }
});

describe('scanLinkTargets: block structure', () => {
  const cases: [string, string, Expected[]][] = [
    ['a heading', '# Title ![i](h.png)', [image('h.png')]],
    ['list items', '- ![a](a.png)\n- [b](b.md)\n  - nested [c](c)\n1. [d](d)', [image('a.png'), link('b.md'), link('c'), link('d')]],
    ['a block quote', '> ![q](q.png)\n> > [r](r)', [image('q.png'), link('r')]],
    ['a list in a quote', '> - [a](a)\n>   [b](b)', [link('a'), link('b')]],
    ['a lazy continuation line', '> [a\nb](c)', [link('c')]],
    ['a table', '| a | b |\n|---|---|\n| ![x](x.png) | [y](y) |', [image('x.png'), link('y')]],
    ['a thematic break is not front matter past line 1', 'Intro\n\n---\n[a](b)\n---', [link('b')]],
    ['unclosed front matter is a thematic break', '---\n[a](b)', [link('b')]],
  ];
  for (const [name, markdown, expected] of cases) {
    it(name, () => check(markdown, expected));
  }
});

describe('scanLinkTargets: what it ignores', () => {
  const hidden: [string, string][] = [
    ['a ``` fence', '```\n[a](x.png)\n```'],
    ['a ~~~ fence with an info string', '~~~ markdown\n![a](x.png)\n~~~'],
    ['a longer fence holding a shorter one', '````\n```\n[a](x)\n```\n[b](y)\n````'],
    ['a fence indented three spaces', '   ```\n   [a](x)\n   ```'],
    ['an unclosed fence runs to the end', 'Text\n\n```js\n[a](x)\n\n\n![b](y)'],
    ['a fence in a list item', '- item\n\n  ```\n  [a](x)\n  ```'],
    ['a fence in a quote', '> ```\n> [a](x)\n> ```'],
    ['a closing fence must be as long', '````\n```\n[a](x)'],
    ['an indented code block at the start', '    [a](x)\n    ![b](y)'],
    ['an indented code block after a blank line', 'Text\n\n    [a](x)\n\n\tmore [b](y)'],
    ['an indented code block in a list item', '- item\n\n      [a](x)'],
    ['a code span', 'Use `[a](x)` here'],
    ['a double-backtick code span holding a backtick', 'Use `` `x` [a](x) `` here'],
    ['a code span across lines', 'A `code\n[a](x)` span'],
    ['an HTML comment', '<!-- [a](x.png) -->'],
    ['a multi-line HTML comment with blank lines', '<!--\n\n![a](x.png)\n\n-->'],
    ['an inline HTML comment', 'Text <!-- ![a](x.png) --> more'],
    ['an <img> inside an HTML comment', '<div>\n<!-- <img src="x.png"> -->\n</div>'],
    ['front matter', '---\nimage: "[a](x.png)"\n---'],
    ['front matter ending with ...', '---\ncover: ![a](x.png)\n...'],
    ['a <script> block', '<script>\nconst s = "[a](x.png)";\n</script>'],
    ['an autolink inside a code span', '`<https://x/y>`'],
    ['an unclosed fence in a list item', '- a\n  ```\n  [a](x)\n\n  [b](y)'],
  ];
  for (const [name, markdown] of hidden) {
    it(`hides links in ${name}`, () => check(markdown, []));
  }

  it('finds links again after each hidden part', () => {
    const markdown = [
      '---',
      'title: "[no](front.png)"',
      '---',
      '[yes](1.png)',
      '```',
      '[no](fence.png)',
      '```',
      '![yes](2.png) `[no](span.png)` <!-- [no](comment.png) --> [yes](3.png)',
      '',
      '    [no](indented.png)',
      '',
      '~~~~',
      '~~~',
      '[no](tilde.png)',
      '~~~~',
      '[yes](4.png)',
    ].join('\n');
    check(markdown, [link('1.png'), image('2.png'), link('3.png'), link('4.png')]);
  });

  it('a fence in a list item ends with the item', () => {
    check('- a\n  ```\n  [a](x)\n\n[b](y)', [link('y')]);
  });

  it('an unmatched backtick run is literal', () => {
    check('a `` b [c](d) ` e', [link('d')]);
  });

  it('an indented line after a paragraph continues it', () => {
    check('Text\n    [a](x)', [link('x')]);
  });

  it('a later paragraph after an unclosed HTML comment inside a paragraph is scanned', () => {
    check('Text <!-- open\n\n[a](x)', [link('x')]);
  });
});

describe('scanLinkTargets: offsets and line endings', () => {
  it('gives exact offsets with \\n', () => {
    const markdown = 'A\n![x](a.png) [y](<b c.md>)';
    const [a, b] = scan(markdown);
    assert.deepEqual([a.start, a.end, b.start, b.end], [7, 12, 19, 25]);
  });

  it('gives exact offsets with \\r\\n, across containers', () => {
    const markdown = '> quote\r\n> ![x](a.png)\r\n- item\r\n  [y](b)\r\n';
    const found = scan(markdown);
    assert.deepEqual(
      found.map((t) => markdown.slice(t.start, t.end)),
      ['a.png', 'b'],
    );
    assert.equal(found[0].start, markdown.indexOf('a.png'));
    assert.equal(found[1].start, markdown.indexOf('(b)') + 1);
  });

  it('reads \\r\\n documents as it reads \\n documents', () => {
    const markdown = '---\r\nx: 1\r\n---\r\n```\r\n[a](b)\r\n```\r\n[ref]:\r\n  r.png\r\n\r\n[c\r\nd](e) ![f](g "t\r\nt")';
    const crlf = scan(markdown).map((t) => [t.target, t.kind]);
    const lf = scan(markdown.replace(/\r\n/g, '\n')).map((t) => [t.target, t.kind]);
    assert.deepEqual(crlf, lf);
    assert.deepEqual(lf, [['r.png', 'definition'], ['e', 'link'], ['g', 'image']]);
  });

  it('skips a byte order mark before front matter', () => {
    check('\uFEFF---\na: "[x](y)"\n---\n[z](w)', [link('w')]);
  });
});

describe('replacementFor', () => {
  const cases: [string, string, string, string][] = [
    ['a bare destination', '![a](./a.png)', 'https://h/x.png', '![a](https://h/x.png)'],
    ['a destination with a title', '![a](./a.png "T")', 'https://h/x.png', '![a](https://h/x.png "T")'],
    ['a bracketed destination keeps its brackets', '![a](<my a.png>)', 'https://h/x.png', '![a](<https://h/x.png>)'],
    ['a bracketed destination takes spaces as they are', '![a](<my a.png>)', 'https://h/my b.png', '![a](<https://h/my b.png>)'],
    ['a url with spaces gets brackets', '![a](a.png)', 'https://h/my b.png', '![a](<https://h/my b.png>)'],
    ['a url with parentheses gets brackets', '[a](a.pdf)', 'https://h/a(1).pdf', '[a](<https://h/a(1).pdf>)'],
    ['angle brackets in a url are percent-encoded', '[a](a.pdf)', 'https://h/<x>.pdf', '[a](<https://h/%3Cx%3E.pdf>)'],
    ['angle brackets in a url, bracketed already', '[a](<a b.pdf>)', 'https://h/<x>', '[a](<https://h/%3Cx%3E>)'],
    ['a backslash is doubled', '[a](a)', 'https://h/a\\_b', '[a](https://h/a\\\\_b)'],
    ['an entity look-alike is escaped', '[a](a)', 'https://h/?q=&amp;', '[a](https://h/?q=\\&amp;)'],
    ['a definition', '[r]: ./a.png "T"', 'https://h/x.png', '[r]: https://h/x.png "T"'],
    ['a definition with spaces in the url', '[r]: ./a.png', 'https://h/a b.png', '[r]: <https://h/a b.png>'],
    ['an autolink', '<https://old/x.png>', 'https://new/a b.png', '<https://new/a%20b.png>'],
    ['an <img src="...">', '<img src="a.png">', 'https://h/a "b".png', '<img src="https://h/a%20%22b%22.png">'],
    ["an <img src='...'>", "<img src='a.png'>", "https://h/it's.png", "<img src='https://h/it%27s.png'>"],
    ['an <img> with an & query', '<img src="a.png">', 'https://h/x?a=1&b=2', '<img src="https://h/x?a=1&b=2">'],
    ['an unquoted <img src=...>', 'An <img src=a.png> b', 'https://h/x y.png', 'An <img src=https://h/x%20y.png> b'],
    ['a data URI', `![x](data:image/png;base64,${BASE64})`, 'https://h/image-1.png', '![x](https://h/image-1.png)'],
  ];
  for (const [name, markdown, url, expected] of cases) {
    it(name, () => {
      const replaced = replaceAll(markdown, () => url);
      assert.equal(replaced, expected);
      // The result reads back as one destination.
      assert.equal(scan(replaced).length, 1);
    });
  }

  it('replaces only the destinations it is asked to, leaving the rest of the document as it was', () => {
    const markdown = '# Doc\r\n\r\n![a](a.png) and ![b](<b b.png> "t") and [c](https://keep/c)\r\n\r\n```\r\n![a](a.png)\r\n```\r\n[r]: a.png\r\n';
    const replaced = replaceAll(markdown, (t) => `https://h/${t.target}`, (t) => classifyTarget(t.target) === 'relative');
    assert.equal(
      replaced,
      '# Doc\r\n\r\n![a](https://h/a.png) and ![b](<https://h/b b.png> "t") and [c](https://keep/c)\r\n\r\n```\r\n![a](a.png)\r\n```\r\n[r]: https://h/a.png\r\n',
    );
  });

  it('any url survives the round trip: replace, then scan back the same destination', () => {
    // (An unquoted `<img src=x>` takes urls without spaces, quotes or `=`: see the table above.)
    const contexts = ['![a](x.png)', '![a](x.png "t")', '[a](<x y.png>)', '[r]: x.png "t"', '[r]: <x y>', 'A <img src="x.png"> b', "<img src='x.png'>"];
    const urlChar = fc.constantFrom(...'ab/:?#=&;%()<>[]{}"\' \\!*_`~|^.-+,@$'.split(''), 'é', '😀', '\t');
    fc.assert(
      fc.property(fc.constantFrom(...contexts), fc.array(urlChar, { minLength: 1, maxLength: 24 }), (context, chars) => {
        const url = `https://h/${chars.join('')}`;
        const replaced = replaceAll(context, () => url);
        const [t, ...rest] = scanLinkTargets(replaced);
        assert.equal(rest.length, 0, replaced);
        const expected = t.kind === 'html' ? url.replace(/["'`<>\s]/g, (c) => encodeURIComponent(c).replace("'", '%27')) : url.replace(/[<>]/g, encodeURIComponent);
        assert.equal(t.target, expected, replaced);
      }),
      { numRuns: 2000 },
    );
  });

  it('an autolink stays an autolink for any https url', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 30 }), (suffix) => {
        const url = `https://h/${suffix}`;
        const replaced = replaceAll('See <https://old/x>.', () => url);
        const found = scanLinkTargets(replaced);
        assert.equal(found.length, 1, replaced);
        assert.equal(found[0].kind, 'link');
        assert.ok(found[0].target.startsWith('https://h/'));
        assert.doesNotMatch(found[0].target, /[\s<>]/);
      }),
      { numRuns: 500 },
    );
  });
});

describe('classifyTarget', () => {
  const cases: [string, ReturnType<typeof classifyTarget>][] = [
    ['https://x/y.png', 'remote'],
    ['HTTP://X/Y', 'remote'],
    ['//cdn.example/x.png', 'remote'],
    ['data:image/png;base64,AAAA', 'data'],
    ['DATA:text/plain,hi', 'data'],
    ['file:///home/u/a.png', 'file-uri'],
    ['./img/a.png', 'relative'],
    ['../a.png', 'relative'],
    ['img/my%20pic.png', 'relative'],
    ['my pic.png', 'relative'],
    ['/abs/a.png', 'relative'],
    ['a.png?raw=1#frag', 'relative'],
    ['C:\\Users\\u\\a.png', 'relative'],
    ['C:/Users/u/a.png', 'relative'],
    ['mailto:a@b.c', 'other'],
    ['#anchor', 'other'],
    ['?query', 'other'],
    ['vscode://file/x', 'other'],
    ['command:workbench.action.x', 'other'],
    ['', 'other'],
    ['   ', 'other'],
  ];
  for (const [target, kind] of cases) {
    it(`${JSON.stringify(target)} is ${kind}`, () => assert.equal(classifyTarget(target), kind));
  }
});

describe('resolveLocalTarget', () => {
  const cases: [string, string, string, string | undefined, string | undefined][] = [
    ['a plain relative path', 'img/a.png', '/docs/guide', undefined, '/docs/guide/img/a.png'],
    ['./', './a.png', '/docs', undefined, '/docs/a.png'],
    ['../', '../assets/a.png', '/docs/guide', undefined, '/docs/assets/a.png'],
    ['spaces', 'my pic.png', '/docs', undefined, '/docs/my pic.png'],
    ['%20 escapes', 'my%20pic.png', '/docs', undefined, '/docs/my pic.png'],
    ['UTF-8 escapes', '%C3%A9t%C3%A9.png', '/docs', undefined, '/docs/été.png'],
    ['a stray % stays', '100%.png', '/docs', undefined, '/docs/100%.png'],
    ['a query', 'a.png?raw=true', '/docs', undefined, '/docs/a.png'],
    ['a fragment', 'a.pdf#page=2', '/docs', undefined, '/docs/a.pdf'],
    ['an encoded # is part of the name', 'a%23b.png', '/docs', undefined, '/docs/a#b.png'],
    ['absolute with a root', '/img/a.png', '/ws/docs', '/ws', '/ws/img/a.png'],
    ['absolute with a root never leaves it', '/../../etc/a.png', '/ws/docs', '/ws', '/ws/etc/a.png'],
    ['absolute without a root', '/img/a.png', '/ws/docs', undefined, '/img/a.png'],
    ['a file URI', 'file:///home/u/my%20a.png', '/docs', undefined, '/home/u/my a.png'],
    ['a file URI with localhost', 'file://localhost/home/u/a.png', '/docs', undefined, '/home/u/a.png'],
    ['a Windows document directory', 'img\\a.png', 'C:\\docs', undefined, 'C:\\docs\\img\\a.png'],
    ['a Windows document directory, forward slashes', '../img/a%20b.png', 'C:\\ws\\docs', undefined, 'C:\\ws\\img\\a b.png'],
    ['a Windows root', '/img/a.png', 'C:\\ws\\docs', 'C:\\ws', 'C:\\ws\\img\\a.png'],
    ['a Windows drive path', 'D:/pics/a.png', '/docs', undefined, 'D:\\pics\\a.png'],
    ['a Windows file URI', 'file:///C:/Users/u/a%20b.png', '/docs', undefined, 'C:\\Users\\u\\a b.png'],
    ['a UNC file URI', 'file://server/share/a.png', '/docs', undefined, '\\\\server\\share\\a.png'],
    ['a remote URL', 'https://x/a.png', '/docs', undefined, undefined],
    ['a data URI', 'data:image/png;base64,AA', '/docs', undefined, undefined],
    ['an anchor', '#top', '/docs', undefined, undefined],
    ['only a query', '?x', '/docs', undefined, undefined],
  ];
  for (const [name, target, docDir, rootDir, expected] of cases) {
    it(name, () => assert.equal(resolveLocalTarget(target, docDir, rootDir), expected));
  }

  it('resolves what the scanner reads, escapes and all', () => {
    const [a, b] = scanLinkTargets('![a](<my pic (1).png>) ![b](my\\_pic%201.png)');
    assert.equal(resolveLocalTarget(a.target, '/d'), '/d/my pic (1).png');
    assert.equal(resolveLocalTarget(b.target, '/d'), '/d/my_pic 1.png');
  });
});

describe('scanLinkTargets: robustness', () => {
  const fragments = [
    '[a](b)', '![i](c.png "t")', '[x [y] z](d(e))', '<http://h/x>', '<img src="z.png">', '[r]: /def "t"\n', '[r]', '![x][r]',
    '`', '``', '```', '~~~', '[', ']', '(', ')', '\\', '!', '<', '>', '"', "'", ' ', '  ', '    ', '\t', '\n', '\n\n', '\r\n',
    '- ', '1. ', '> ', '# ', '---', '===', '<!--', '-->', '<div>', '</div>', '<pre>', '<script>', 'text', '](', '<p q.png>', '&amp;', '*', '_',
  ];
  const documents = fc.array(fc.constantFrom(...fragments), { maxLength: 40 }).map((parts) => parts.join(''));

  it('never throws; ranges are in bounds, in order, not overlapping, and hold what they report', () => {
    fc.assert(
      fc.property(documents, (markdown) => {
        let previousEnd = 0;
        for (const t of scanLinkTargets(markdown)) {
          assert.ok(t.start >= previousEnd && t.start < t.end && t.end <= markdown.length);
          previousEnd = t.end;
          const raw = markdown.slice(t.start, t.end);
          if (!/[\\&]/.test(raw)) {
            assert.equal(raw, t.target);
          }
          assert.ok(!raw.includes('\n'));
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('reads a document the same with \\r\\n line endings', () => {
    fc.assert(
      fc.property(documents, (markdown) => {
        const lf = markdown.replace(/\r\n/g, '\n');
        const summary = (text: string) => scanLinkTargets(text).map((t) => `${t.kind}:${t.target}:${t.text.replace(/\r\n/g, '\n')}`);
        assert.deepEqual(summary(lf.replace(/\n/g, '\r\n')), summary(lf));
      }),
      { numRuns: 1000 },
    );
  });

  it('never throws on arbitrary text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300, unit: 'grapheme-ascii' }), (markdown) => {
        scanLinkTargets(markdown);
      }),
      { numRuns: 2000 },
    );
  });

  // Large and hostile inputs: these assert results, not times (speed belongs in the benchmark); a
  // quadratic blow-up on 1 MB would take minutes and trip the suite's timeout.
  describe('large and hostile documents', function () {
    this.timeout(30_000);

    it('scans a realistic 1 MB document completely', () => {
      const blocks = [
        '# Heading [h](h.md)\n',
        'Text with a [link](./docs/a.md), ![an image](img/b.png "title"), `code [x](y)` and <https://x.y/z>.\n',
        '```js\nconst a = "[x](y)";\n```\n',
        '- item [l](l.png)\n  - nested ![n](n.png)\n',
        '> quote [q](q.png)\n',
        '<div align="center"><img src="c.png"></div>\n',
        '[ref]: ./r.png "T"\n',
        '| a | ![t](t.png) |\n|---|---|\n',
        `![d](data:image/png;base64,${'A'.repeat(2000)})\n`,
      ];
      let markdown = '';
      for (let i = 0; markdown.length < 1_000_000; i++) {
        markdown += `${blocks[i % blocks.length]}\n`;
      }
      assert.ok(scanLinkTargets(markdown).length > 4000);
    });

    const hostile: [string, string][] = [
      ['open brackets', '['.repeat(300_000) + '](x'.repeat(200_000)],
      ['nested images', '![a'.repeat(200_000) + '](x)'.repeat(100_000)],
      ['backticks', '`a``b'.repeat(200_000)],
      ['unclosed titles', '[a](b "'.repeat(140_000)],
      ['unclosed comments', '<!--'.repeat(250_000)],
      ['deep parentheses', '[a](' + '('.repeat(1_000_000)],
      ['lines', 'x\n'.repeat(500_000)],
      ['nested lists', '- a\n  - b\n    - c\n'.repeat(60_000)],
      ['setext underlines after definitions', '[a]: b\n' + '===\n'.repeat(250_000)],
    ];
    for (const [name, markdown] of hostile) {
      it(`copes with 1 MB of ${name}`, () => {
        const targets = scanLinkTargets(markdown);
        assert.ok(targets.every((target) => target.start >= 0 && target.end <= markdown.length && target.start <= target.end));
      });
    }
  });
});
