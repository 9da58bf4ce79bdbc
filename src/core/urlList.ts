import { UploadError } from './errors';
import { batchWorkers, mapConcurrent } from './pool';
import { validateRemoteUrl } from './validation';
import * as l10n from '@vscode/l10n';

/** Characters a URL in running text does not end with: sentence punctuation and closing quotes. */
const TRAILING = /[.,;:!?'"’”]+$/;

/**
 * Every http(s) URL in a piece of text (a selection, a document), in order: prose punctuation after
 * a URL and the bracket closing a Markdown link `[a](https://…)` are not part of it.
 */
export function urlsInText(text: string): string[] {
  const found = String(text ?? '').match(/\bhttps?:\/\/[^\s<>"'`]+/gi) ?? [];
  return found.flatMap(splitJoined).map(trimUrl).filter((url) => /^https?:\/\/./i.test(url));
}

/**
 * The entries of a list a person typed or pasted: one per line, or separated by spaces or commas.
 * A comma inside a URL stays (`…/upload/w_400,h_300/photo.jpg`, as image CDNs write them): only a
 * comma before another URL or at an entry's end separates. Every entry is kept (a non-URL among
 * them is reported, not dropped); URLs whose line breaks were lost on the way into a one-line box
 * (`https://a/x.pnghttps://b/y.png`) are split again.
 */
export function entriesInList(text: string): string[] {
  return String(text ?? '')
    .split(/\s+/)
    .flatMap((entry) => entry.split(/,+(?=https?:\/\/)/i))
    .map((entry) => entry.replace(/^,+|,+$/g, ''))
    .filter((entry) => entry !== '')
    .flatMap(splitJoined);
}

/**
 * Splits URLs written together without a break. A URL inside another one is left alone: after a
 * slash (`https://web.archive.org/web/2024/https://…`) or in a query (`?url=https://…`).
 */
function splitJoined(text: string): string[] {
  return text.split(/(?<![/=?&#:%(])(?=https?:\/\/)/i).filter((part) => part !== '');
}

/** Drops trailing punctuation, and a closing parenthesis or bracket the URL did not open. */
function trimUrl(url: string): string {
  let result = url.replace(TRAILING, '');
  for (const [open, close] of [['(', ')'], ['[', ']'], ['{', '}']] as const) {
    while (result.endsWith(close) && count(result, close) > count(result, open)) {
      result = result.slice(0, -1).replace(TRAILING, '');
    }
  }
  return result;
}

function count(text: string, char: string): number {
  return text.split(char).length - 1;
}

/** One entry of a URL batch: the URL to send, or why it is not sent. */
export interface PlannedUrl {
  input: string;
  /** The normalised URL, when the entry is one. */
  url?: string;
  /** Why nothing is sent for this entry (not a usable URL, or listed before). */
  problem?: UploadError;
  /** For a repeat: the index of the entry that is sent. */
  duplicateOf?: number;
}

/** A list of URLs checked before anything is sent: the unique valid ones, and every entry's fate. */
export interface UrlPlan {
  entries: PlannedUrl[];
  /** The URLs to send, each once, in the order first listed. */
  unique: string[];
}

/**
 * Checks a list of URLs before any upload: each must be an absolute http(s) URL without credentials,
 * and a URL listed again (after normalisation: `HTTPS://Host/a` is `https://host/a`) is sent once.
 */
export function planUrls(inputs: readonly unknown[]): UrlPlan {
  const entries: PlannedUrl[] = [];
  const unique: string[] = [];
  const firstIndex = new Map<string, number>();
  inputs.forEach((value, index) => {
    const input = typeof value === 'string' ? value.trim() : String(value);
    let url: string;
    try {
      url = validateRemoteUrl(typeof value === 'string' ? value : '');
    } catch (error) {
      entries.push({ input, problem: error instanceof UploadError ? error : new UploadError('invalid-input', String(error)) });
      return;
    }
    const first = firstIndex.get(url);
    if (first !== undefined) {
      entries.push({
        input,
        url,
        duplicateOf: first,
        problem: new UploadError('invalid-input', l10n.t('{0} is listed more than once; it is uploaded once (entry {1}).', shorten(url), first + 1)),
      });
      return;
    }
    firstIndex.set(url, index);
    unique.push(url);
    entries.push({ input, url });
  });
  return { entries, unique };
}

/**
 * Sends a checked list: the unique URLs through `upload`, at most `limit` batches' worth at once
 * (`batchWorkers`: the client's gate keeps `limit` requests in flight), and one outcome per entry.
 */
export async function uploadUrlList<O extends { source: string }>(
  plan: UrlPlan,
  limit: number,
  upload: (url: string) => Promise<O>,
  failed: (entry: PlannedUrl) => O,
): Promise<O[]> {
  const sent = await mapConcurrent(plan.unique, batchWorkers(limit), upload);
  return outcomesForPlan(plan, sent, failed);
}

/** A list's problems in one sentence, for the person who typed it: invalid entries first, then repeats. */
export function describeProblems(plan: UrlPlan): string | undefined {
  const invalid = plan.entries.filter((entry) => entry.problem && entry.duplicateOf === undefined);
  const repeats = plan.entries.filter((entry) => entry.duplicateOf !== undefined);
  const parts: string[] = [];
  if (invalid.length > 0) {
    parts.push(invalid.map((entry) => entry.problem?.message).join(' '));
  }
  if (repeats.length > 0) {
    parts.push(l10n.t('{0} listed more than once (sent once): {1}.', repeats.length, [...new Set(repeats.map((entry) => shorten(entry.url ?? entry.input)))].join(', ')));
  }
  return parts.length ? parts.join(' ') : undefined;
}

/**
 * The outcomes of a planned batch, one per listed entry in the list's order: a sent URL's own
 * outcome, a repeat's the same as the entry it repeats, an invalid entry's its reason.
 */
export function outcomesForPlan<O extends { source: string }>(
  plan: UrlPlan,
  sent: readonly O[],
  failed: (entry: PlannedUrl) => O,
): O[] {
  const byUrl = new Map(plan.unique.map((url, index) => [url, sent[index]]));
  return plan.entries.map((entry) => (entry.problem && entry.duplicateOf === undefined ? failed(entry) : (byUrl.get(entry.url ?? '') ?? failed(entry))));
}

/**
 * Two URLs of a batch that would be saved under the same name in the same folder, where the second
 * would replace the first (the service overwrites a name uploaded again): one message, or undefined.
 * Only asked when the batch shares one folder (an upload path the caller chose, or naming `original`).
 */
export function clashingNames(urls: readonly string[], nameOf: (url: string) => string | undefined): string | undefined {
  const seen = new Map<string, string>();
  for (const url of urls) {
    const name = nameOf(url);
    if (name === undefined) {
      continue; // The service invents a fresh name.
    }
    const earlier = seen.get(name.toLowerCase());
    if (earlier !== undefined) {
      return l10n.t('{0} and {1} would both be saved as {2} in the same folder, and the second would replace the first. Nothing was sent.', shorten(earlier), shorten(url), name);
    }
    seen.set(name.toLowerCase(), url);
  }
  return undefined;
}

function shorten(text: string): string {
  return text.length > 80 ? `${text.slice(0, 77)}…` : text;
}
