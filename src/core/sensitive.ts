import { open } from 'node:fs/promises';
import * as l10n from '@vscode/l10n';
import picomatch from 'picomatch';

/**
 * The sensitive-file guard: every upload becomes a public link, so files that look like they hold
 * a secret are held back on every path that sends bytes out. It decides from the file's name (and
 * path) and at most the first {@link SENSITIVE_HEAD_BYTES} of its content, never more.
 */

/** How much of a file's content the guard reads. */
export const SENSITIVE_HEAD_BYTES = 64 * 1024;

export type SensitiveKind = 'env' | 'private-key' | 'keystore' | 'credentials' | 'token' | 'user-pattern';

export interface SensitiveFinding {
  kind: SensitiveKind;
  /** What the file looks like it holds, to complete "… looks like it holds …" ("a private key"). */
  what: string;
}

interface NameRule {
  kind: SensitiveKind;
  test: (name: string, path: string) => boolean;
}

const SAFE_ENV_SUFFIXES = new Set(['example', 'sample', 'template']);
const SSH_KEY = /^id_(?:rsa|dsa|ecdsa|ed25519)(?:_sk)?$/;
const KEY_EXTENSIONS = /\.(?:pem|key)$/;
const KEYSTORE_EXTENSIONS = /\.(?:p12|pfx|kdbx)$/;
const CREDENTIAL_FILES = new Set(['.npmrc', '.pypirc', '.netrc', '_netrc', '.git-credentials', 'credentials.json', 'kubeconfig']);

const NAME_RULES: readonly NameRule[] = [
  { kind: 'env', test: (name) => name === '.env' || (name.startsWith('.env.') && !SAFE_ENV_SUFFIXES.has(name.slice(5))) },
  { kind: 'private-key', test: (name) => SSH_KEY.test(name) || KEY_EXTENSIONS.test(name) },
  { kind: 'keystore', test: (name) => KEYSTORE_EXTENSIONS.test(name) },
  {
    kind: 'credentials',
    test: (name, path) =>
      CREDENTIAL_FILES.has(name) ||
      /\.kubeconfig$|^kubeconfig\.ya?ml$/.test(name) ||
      /(?:^|\/)\.aws\/(?:credentials|config)$/.test(path) ||
      /(?:^|\/)\.kube\/config$/.test(path),
  },
];

// Content: a PEM private-key block, a kubeconfig with credentials, and the shapes of well-known tokens.
// Each token shape stands alone (not inside a longer word), so that random bytes rarely look like one.
const CONTENT_RULES: ReadonlyArray<{ kind: SensitiveKind; pattern: RegExp }> = [
  { kind: 'private-key', pattern: /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----/ },
  { kind: 'credentials', pattern: /^kind:\s*Config\s*$[\s\S]*^\s*(?:client-key-data|token|password):/m },
  { kind: 'token', pattern: /(?<![A-Za-z0-9])(?:AKIA|ASIA)[0-9A-Z]{16}(?![A-Za-z0-9])/ }, // AWS access key id
  { kind: 'token', pattern: /(?<![A-Za-z0-9_])(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{40,})/ }, // GitHub
  { kind: 'token', pattern: /(?<![A-Za-z0-9_-])glpat-[A-Za-z0-9_-]{20,}/ }, // GitLab
  { kind: 'token', pattern: /(?<![A-Za-z0-9_-])xox[abposr]-[A-Za-z0-9-]{10,}/ }, // Slack
  { kind: 'token', pattern: /(?<![A-Za-z0-9_])(?:sk|rk)_live_[A-Za-z0-9]{20,}/ }, // Stripe live keys
  { kind: 'token', pattern: /(?<![A-Za-z0-9_-])AIza[0-9A-Za-z_-]{35}(?![A-Za-z0-9_-])/ }, // Google API key
];

function describe(kind: SensitiveKind): string {
  switch (kind) {
    case 'env':
      return l10n.t('environment secrets');
    case 'private-key':
      return l10n.t('a private key');
    case 'keystore':
      return l10n.t('a key store');
    case 'credentials':
      return l10n.t('credentials');
    case 'token':
      return l10n.t('an access token');
    case 'user-pattern':
      return l10n.t('secrets (it matches kieUpload.sensitiveFiles)');
  }
}

function finding(kind: SensitiveKind): SensitiveFinding {
  return { kind, what: describe(kind) };
}

/**
 * A matcher for the user's `kieUpload.sensitiveFiles` globs: patterns without `/` match the file
 * name, relative ones with `/` match at any depth of the path (`secrets/**` catches
 * `/home/me/project/secrets/a.txt`).
 */
export function userPatternMatcher(globs: readonly string[]): (path: string) => boolean {
  const valid = (Array.isArray(globs) ? globs : [])
    .filter((glob): glob is string => typeof glob === 'string' && glob.trim() !== '')
    .map((glob) => glob.trim().replace(/\\/g, '/'))
    .map((glob) => (glob.includes('/') && !glob.startsWith('/') && !glob.startsWith('**/') ? `**/${glob}` : glob));
  const options = { dot: true, nocase: true };
  const byName = valid.filter((glob) => !glob.includes('/'));
  const byPath = valid.filter((glob) => glob.includes('/'));
  const matchName = byName.length > 0 ? picomatch(byName, options) : () => false;
  const matchPath = byPath.length > 0 ? picomatch(byPath, options) : () => false;
  return (path) => matchName(path.slice(path.lastIndexOf('/') + 1)) || matchPath(path);
}

/**
 * Judges a file by its name and path (`/`-separated; a relative path is enough, an absolute one
 * lets `.aws/credentials` and `.kube/config` be seen). Never throws.
 */
export function sensitiveByName(path: string, userGlobs: readonly string[] = []): SensitiveFinding | undefined {
  if (typeof path !== 'string' || path === '') {
    return undefined;
  }
  const normal = path.replace(/\\/g, '/');
  const name = (normal.slice(normal.lastIndexOf('/') + 1) || normal).toLowerCase();
  const lowerPath = normal.toLowerCase();
  const rule = NAME_RULES.find((candidate) => candidate.test(name, lowerPath));
  if (rule) {
    return finding(rule.kind);
  }
  return userPatternMatcher(userGlobs)(normal) ? finding('user-pattern') : undefined;
}

/** Judges the first bytes of a file (at most {@link SENSITIVE_HEAD_BYTES} are looked at). Never throws. */
export function sensitiveByContent(head: Uint8Array): SensitiveFinding | undefined {
  if (!(head instanceof Uint8Array) || head.byteLength === 0) {
    return undefined;
  }
  const text = Buffer.from(head.buffer, head.byteOffset, Math.min(head.byteLength, SENSITIVE_HEAD_BYTES)).toString('latin1');
  const rule = CONTENT_RULES.find((candidate) => candidate.pattern.test(text));
  return rule && finding(rule.kind);
}

/** Name first, then content. */
export function findSensitive(path: string, head: Uint8Array | undefined, userGlobs: readonly string[] = []): SensitiveFinding | undefined {
  return sensitiveByName(path, userGlobs) ?? (head ? sensitiveByContent(head) : undefined);
}

/** Reads at most the first {@link SENSITIVE_HEAD_BYTES} of a file on disk; empty when it cannot be read. */
export async function readHead(fsPath: string): Promise<Uint8Array> {
  let handle;
  try {
    handle = await open(fsPath, 'r');
    const buffer = Buffer.alloc(SENSITIVE_HEAD_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, SENSITIVE_HEAD_BYTES, 0);
    return buffer.subarray(0, bytesRead);
  } catch {
    return new Uint8Array(0);
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

/** Judges a file on disk by its path and first bytes. A file that cannot be read is judged by name only. */
export async function inspectFile(fsPath: string, userGlobs: readonly string[] = []): Promise<SensitiveFinding | undefined> {
  return sensitiveByName(fsPath, userGlobs) ?? sensitiveByContent(await readHead(fsPath));
}

/** "id_rsa looks like it holds a private key." */
export function describeSensitive(fileName: string, found: SensitiveFinding): string {
  return l10n.t('{0} looks like it holds {1}.', fileName, found.what);
}
