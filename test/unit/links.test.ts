import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import { escapeLinkText, linkDestination, markdownLink, stripExtension, type Linkable } from '../../src/core/links';
import { scanLinkTargets } from '../../src/core/markdownScan';

const URL = 'https://tempfile.example/abc/file';

/** Reads a built link back with the Markdown scanner: it must be exactly one link or image. */
function readBack(markdown: string): { kind: string; target: string; text: string } {
  const found = scanLinkTargets(markdown);
  assert.equal(found.length, 1, `one destination in ${markdown}`);
  const [t] = found;
  assert.equal(markdown.slice(t.end), t.angleBrackets ? '>)' : ')', `the destination ends ${markdown}`);
  return { kind: t.kind, target: t.target, text: t.text };
}

describe('markdownLink', () => {
  const cases: [string, Linkable, string, string][] = [
    // [name, file, expected Markdown, the text a reader sees]
    ['an image by MIME type: alt is the name without extension', { fileName: 'photo.png', mimeType: 'image/png', url: URL }, `![photo](${URL})`, 'photo'],
    ['only the last extension goes', { fileName: 'diagram.final.svg', mimeType: 'image/svg+xml', url: URL }, `![diagram.final](${URL})`, 'diagram.final'],
    ['another file keeps its whole name', { fileName: 'report.pdf', mimeType: 'application/pdf', url: URL }, `[report.pdf](${URL})`, 'report.pdf'],
    ['an image-looking name with another type is a link', { fileName: 'x.png', mimeType: 'application/octet-stream', url: URL }, `[x.png](${URL})`, 'x.png'],
    ['a closing bracket', { fileName: 'a]b.png', mimeType: 'image/png', url: URL }, `![a\\]b](${URL})`, 'a]b'],
    ['brackets around the name', { fileName: '[x].pdf', mimeType: 'application/pdf', url: URL }, `[\\[x\\].pdf](${URL})`, '[x].pdf'],
    ['a backslash', { fileName: 'back\\slash.txt', mimeType: 'text/plain', url: URL }, `[back\\\\slash.txt](${URL})`, 'back\\slash.txt'],
    ['a trailing backslash', { fileName: 'end\\', mimeType: 'text/plain', url: URL }, `[end\\\\](${URL})`, 'end\\'],
    ['a backslash before a bracket', { fileName: '\\[x].txt', mimeType: 'text/plain', url: URL }, `[\\\\\\[x\\].txt](${URL})`, '\\[x].txt'],
    ['a name that looks like a link', { fileName: '](evil).txt', mimeType: 'text/plain', url: URL }, `[\\](evil).txt](${URL})`, '](evil).txt'],
    ['a dot file', { fileName: '.hidden', mimeType: 'text/plain', url: URL }, `[.hidden](${URL})`, '.hidden'],
    ['a dot-file image keeps its name', { fileName: '.png', mimeType: 'image/png', url: URL }, `![.png](${URL})`, '.png'],
    ['no extension', { fileName: 'no-ext', mimeType: 'application/octet-stream', url: URL }, `[no-ext](${URL})`, 'no-ext'],
    ['an image without extension', { fileName: 'screenshot', mimeType: 'image/jpeg', url: URL }, `![screenshot](${URL})`, 'screenshot'],
    ['emoji', { fileName: '😀 party.gif', mimeType: 'image/gif', url: URL }, `![😀 party](${URL})`, '😀 party'],
    ['right-to-left text', { fileName: 'שלום עולם.pdf', mimeType: 'application/pdf', url: URL }, `[שלום עולם.pdf](${URL})`, 'שלום עולם.pdf'],
    ['Arabic with a mark', { fileName: 'تقرير\u200f.txt', mimeType: 'text/plain', url: URL }, `[تقرير\u200f.txt](${URL})`, 'تقرير\u200f.txt'],
    ['a line break', { fileName: 'line\nbreak.txt', mimeType: 'text/plain', url: URL }, `[line break.txt](${URL})`, 'line break.txt'],
    ['CRLF line breaks collapse to one space', { fileName: 'a\r\n\r\nb.txt', mimeType: 'text/plain', url: URL }, `[a b.txt](${URL})`, 'a b.txt'],
    ['underscores inside words stay', { fileName: 'my_file_name.txt', mimeType: 'text/plain', url: URL }, `[my_file_name.txt](${URL})`, 'my_file_name.txt'],
    ['underscores that would make bold', { fileName: '__init__.py', mimeType: 'text/x-python', url: URL }, `[\\_\\_init\\_\\_.py](${URL})`, '__init__.py'],
    ['asterisks that would make emphasis', { fileName: '*draft*.md', mimeType: 'text/markdown', url: URL }, `[\\*draft\\*.md](${URL})`, '*draft*.md'],
    ['backticks that would make a code span', { fileName: 'a`]`.txt', mimeType: 'text/plain', url: URL }, `[a\\\`\\]\\\`.txt](${URL})`, 'a`]`.txt'],
    ['angle brackets that would make HTML', { fileName: '<b>x</b>.txt', mimeType: 'text/plain', url: URL }, `[\\<b\\>x\\</b\\>.txt](${URL})`, '<b>x</b>.txt'],
    ['angle brackets that would make an autolink', { fileName: '<https://x>.txt', mimeType: 'text/plain', url: URL }, `[\\<https://x\\>.txt](${URL})`, '<https://x>.txt'],
    ['an entity look-alike', { fileName: 'AT&amp;T.txt', mimeType: 'text/plain', url: URL }, `[AT\\&amp;T.txt](${URL})`, 'AT&amp;T.txt'],
    ['a plain ampersand stays', { fileName: 'R&D.txt', mimeType: 'text/plain', url: URL }, `[R&D.txt](${URL})`, 'R&D.txt'],
    ['tildes that would strike through', { fileName: 'a~~b~~.txt', mimeType: 'text/plain', url: URL }, `[a\\~\\~b\\~\\~.txt](${URL})`, 'a~~b~~.txt'],
    ['a pipe that would split a table cell', { fileName: 'a|b.txt', mimeType: 'text/plain', url: URL }, `[a\\|b.txt](${URL})`, 'a|b.txt'],
    ['an exclamation mark', { fileName: '!x.png', mimeType: 'image/png', url: URL }, `![!x](${URL})`, '!x'],
  ];
  for (const [name, file, expected, shown] of cases) {
    it(name, () => {
      const markdown = markdownLink(file);
      assert.equal(markdown, expected);
      const back = readBack(markdown);
      assert.equal(back.kind, file.mimeType.startsWith('image/') ? 'image' : 'link');
      assert.equal(back.target, file.url);
      assert.equal(back.text, shown);
    });
  }

  const urls: [string, string, string, string][] = [
    // [name, url, expected destination, the url a reader gets]
    ['a plain url', 'https://h/a.png', 'https://h/a.png', 'https://h/a.png'],
    ['a query', 'https://h/a.png?x=1&y=2', 'https://h/a.png?x=1&y=2', 'https://h/a.png?x=1&y=2'],
    ['percent escapes stay', 'https://h/a%20b.png', 'https://h/a%20b.png', 'https://h/a%20b.png'],
    ['spaces wrap it in <>', 'https://h/my file.png', '<https://h/my file.png>', 'https://h/my file.png'],
    ['a tab wraps it in <>', 'https://h/a\tb.png', '<https://h/a\tb.png>', 'https://h/a\tb.png'],
    ['parentheses wrap it in <>', 'https://h/a(1).png', '<https://h/a(1).png>', 'https://h/a(1).png'],
    ['one parenthesis wraps it in <>', 'https://h/a).png', '<https://h/a).png>', 'https://h/a).png'],
    ['angle brackets are percent-encoded inside <>', 'https://h/<x>.png', '<https://h/%3Cx%3E.png>', 'https://h/%3Cx%3E.png'],
    ['angle brackets and spaces', 'https://h/a <b>.png', '<https://h/a %3Cb%3E.png>', 'https://h/a %3Cb%3E.png'],
  ];
  for (const [name, url, destination, read] of urls) {
    it(`url: ${name}`, () => {
      assert.equal(linkDestination(url), destination);
      const markdown = markdownLink({ fileName: 'f.png', mimeType: 'image/png', url });
      assert.equal(markdown, `![f](${destination})`);
      assert.equal(readBack(markdown).target, read);
    });
  }

  it('any file name reads back as exactly one link showing that name', () => {
    const nameChar = fc.oneof(
      fc.constantFrom(...'\\[]()<>`*_~|&#;!: .-\n\r\t"\'{}'.split('')),
      fc.constantFrom('a', 'b', 'é', 'ש', '😀', 'amp', '#91', 'http://x'),
    );
    fc.assert(
      fc.property(fc.array(nameChar, { minLength: 1, maxLength: 20 }), fc.boolean(), (chars, image) => {
        const fileName = chars.join('');
        const markdown = markdownLink({ fileName, mimeType: image ? 'image/png' : 'text/plain', url: URL });
        const back = readBack(markdown);
        assert.equal(back.target, URL);
        assert.equal(back.text, (image ? stripExtension(fileName) : fileName).replace(/[\r\n]+/g, ' '));
      }),
      { numRuns: 3000 },
    );
  });
});

describe('link helpers', () => {
  it('escapeLinkText leaves ordinary names alone', () => {
    for (const name of ['report 2024.pdf', 'my_file-v2 (final).docx', 'R&D #3.txt', 'ünïcødé.md', 'a+b=c.txt']) {
      assert.equal(escapeLinkText(name), name);
    }
  });

  it('stripExtension drops only a real extension', () => {
    assert.equal(stripExtension('a.tar.gz'), 'a.tar');
    assert.equal(stripExtension('.bashrc'), '.bashrc');
    assert.equal(stripExtension('noext'), 'noext');
    assert.equal(stripExtension('trailing.'), 'trailing');
  });
});
