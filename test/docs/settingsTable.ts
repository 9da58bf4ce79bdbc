/**
 * The README's settings table, generated from package.json and package.nls.json so that it never
 * drifts: `npm run docs:settings` rewrites it, and a unit test fails when it is stale.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '../../..');
export const START = '<!-- settings:start (generated from package.json by npm run docs:settings) -->';
export const END = '<!-- settings:end -->';

interface Property {
  default?: unknown;
  enum?: unknown[];
  enumDescriptions?: string[];
  scope?: string;
  markdownDescription?: string;
  description?: string;
}

export function settingsTable(): string {
  const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  const strings: Record<string, string> = JSON.parse(readFileSync(join(ROOT, 'package.nls.json'), 'utf8'));
  const localize = (text = '') => text.replace(/^%(.+)%$/, (_, key: string) => strings[key] ?? text);
  const properties: Record<string, Property> = manifest.contributes.configuration.properties;
  const restricted: string[] = manifest.capabilities?.untrustedWorkspaces?.restrictedConfigurations ?? [];
  const rows = Object.entries(properties).map(([key, property]) => {
    const description = localize(property.markdownDescription ?? property.description).replace(/\s*\n\s*/g, ' ').replace(/\|/g, '\\|');
    const values = property.enum
      ? ` Values: ${property.enum.map((value, index) => `\`${String(value)}\`${property.enumDescriptions?.[index] ? ` — ${localize(property.enumDescriptions[index]).replace(/\|/g, '\\|')}` : ''}`).join('; ')
        .replace(/\.;/g, ';')
        .replace(/\.$/, '')}.`
      : '';
    const scope = property.scope === 'application' ? ' (user settings only)' : property.scope === 'language-overridable' ? ' (can be set per language)' : '';
    const untrusted = restricted.includes(key) ? ' (an untrusted workspace cannot set it)' : '';
    return `| \`${key}\` | \`${JSON.stringify(property.default)}\` | ${description}${values}${scope}${untrusted} |`;
  });
  return [START, '| setting | default | meaning |', '|---|---|---|', ...rows, END].join('\n');
}

export function readmeWithTable(readme: string): string {
  const start = readme.indexOf(START);
  const end = readme.indexOf(END);
  if (start === -1 || end === -1) {
    throw new Error(`README.md has no ${START} … ${END} section`);
  }
  return readme.slice(0, start) + settingsTable() + readme.slice(end + END.length);
}

if (require.main === module) {
  const path = join(ROOT, 'README.md');
  writeFileSync(path, readmeWithTable(readFileSync(path, 'utf8')));
  console.log('README.md settings table updated');
}
