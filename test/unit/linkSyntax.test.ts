import * as assert from 'node:assert/strict';
import { autoFormat, fillLinkTemplate, formatLink, linkTemplateProblem, type LinkFormat } from '../../src/core/linkSyntax';

const image = { fileName: 'team photo.png', mimeType: 'image/png', url: 'https://files.example/a/team%20photo.png', downloadUrl: 'https://dl.example/a', fileSize: 2048, expiresAt: '2026-12-07T10:00:00Z' };
const file = { fileName: 'report_v2 [final].pdf', mimeType: 'application/pdf', url: 'https://files.example/b/report.pdf' };

describe('link syntax in every language', () => {
  it('each language writes its own image and link syntax', () => {
    const expected: Record<LinkFormat, [string, string]> = {
      markdown: ['![team photo](https://files.example/a/team%20photo.png)', '[report_v2 \\[final\\].pdf](https://files.example/b/report.pdf)'],
      html: ['<img src="https://files.example/a/team%20photo.png" alt="team photo">', '<a href="https://files.example/b/report.pdf">report_v2 [final].pdf</a>'],
      asciidoc: ['image::https://files.example/a/team%20photo.png[team photo]', 'link:https://files.example/b/report.pdf[report_v2 [final .pdf]'],
      restructuredtext: ['.. image:: https://files.example/a/team%20photo.png\n   :alt: team photo', '`report_v2 [final].pdf <https://files.example/b/report.pdf>`__'],
      latex: ['\\includegraphics{https://files.example/a/team\\%20photo.png}', '\\href{https://files.example/b/report.pdf}{report\\_v2 [final].pdf}'],
      org: ['[[https://files.example/a/team%20photo.png][team photo]]', '[[https://files.example/b/report.pdf][report_v2  final .pdf]]'],
      url: ['https://files.example/a/team%20photo.png', 'https://files.example/b/report.pdf'],
    };
    for (const [format, [forImage, forFile]] of Object.entries(expected) as Array<[LinkFormat, [string, string]]>) {
      assert.equal(formatLink(image, format), forImage, `${format} image`);
      assert.equal(formatLink(file, format), forFile, `${format} file`);
    }
  });

  it('auto: the language\'s own format, the bare URL for any other language', () => {
    assert.deepEqual(
      ['markdown', 'mdx', 'html', 'asciidoc', 'restructuredtext', 'latex', 'tex', 'org', 'plaintext', 'python'].map(autoFormat),
      ['markdown', 'markdown', 'html', 'asciidoc', 'restructuredtext', 'latex', 'latex', 'org', 'url', 'url'],
    );
  });

  it('a URL with a space or bracket stays one link in the lightweight markups', () => {
    const odd = { ...image, url: 'https://files.example/a/my photo].png' };
    assert.equal(formatLink(odd, 'asciidoc'), 'image::https://files.example/a/my%20photo%5D.png[team photo]');
    assert.equal(formatLink(odd, 'org'), '[[https://files.example/a/my%20photo%5D.png][team photo]]');
  });

  it('link templates: every variable filled, \\n a line break; problems named', () => {
    assert.equal(
      fillLinkTemplate('${alt}|${fileName}|${url}|${downloadUrl}|${size}|${expiresAt}\\nend', image),
      'team photo|team photo.png|https://files.example/a/team%20photo.png|https://dl.example/a|2048|2026-12-07T10:00:00Z\nend',
    );
    assert.equal(linkTemplateProblem('<img src="${url}" alt="${alt}">'), undefined);
    assert.equal(linkTemplateProblem('![${alt}](${downloadUrl})'), undefined);
    assert.match(linkTemplateProblem('<img src="${link}">') ?? '', /\$\{link\} is not one of \$\{url\}/);
    assert.match(linkTemplateProblem('![${alt}]') ?? '', /neither \$\{url\} nor \$\{downloadUrl\}/);
    assert.match(linkTemplateProblem('${url') ?? '', /never closed/);
  });
});
