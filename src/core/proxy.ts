/** Where the proxy settings come from: VS Code's `http.*` settings and the usual environment variables. */
export interface ProxySources {
  /** VS Code's `http.proxy`. */
  setting?: string;
  /** VS Code's `http.noProxy`. */
  settingNoProxy?: readonly string[];
  env?: Record<string, string | undefined>;
}

/**
 * The proxy URL to use for `target`, or undefined for a direct connection. `http.proxy` wins over
 * the environment (HTTPS_PROXY for https targets, HTTP_PROXY for http, ALL_PROXY for both);
 * `http.noProxy` and NO_PROXY exempt hosts (`example.com` also covers its subdomains, `*` all).
 */
export function proxyFor(target: string, sources: ProxySources): string | undefined {
  if (!URL.canParse(target)) {
    return undefined;
  }
  const url = new URL(target);
  const env = sources.env ?? {};
  const pick = (...names: string[]) => names.map((name) => env[name] ?? env[name.toLowerCase()]).find((value) => value && value.trim());
  const proxy =
    sources.setting?.trim() ||
    (url.protocol === 'https:' ? pick('HTTPS_PROXY') : pick('HTTP_PROXY')) ||
    pick('ALL_PROXY');
  if (!proxy) {
    return undefined;
  }
  const exemptions = [...(sources.settingNoProxy ?? []), ...(pick('NO_PROXY') ?? '').split(',')];
  return isExempt(url, exemptions) ? undefined : proxy.trim();
}

function isExempt(url: URL, patterns: readonly string[]): boolean {
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  return patterns
    .map((pattern) => pattern.trim().toLowerCase())
    .filter(Boolean)
    .some((pattern) => {
      if (pattern === '*') {
        return true;
      }
      const [patternHost, patternPort] = pattern.startsWith('[') ? [pattern.slice(1, pattern.indexOf(']')), pattern.split(']:')[1]] : pattern.split(':');
      if (patternPort && patternPort !== port) {
        return false;
      }
      const bare = patternHost.replace(/^\*?\./, '');
      return host === bare || host.endsWith(`.${bare}`);
    });
}
