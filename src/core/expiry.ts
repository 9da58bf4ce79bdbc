import * as l10n from '@vscode/l10n';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

export type ExpiryState = 'active' | 'expiring' | 'expired';

/** Where a link stands: expired, expiring within `warnMs`, or active. */
export function expiryState(expiresAt: string, now: number, warnMs: number = DAY): ExpiryState {
  const left = Date.parse(expiresAt) - now;
  if (left <= 0) {
    return 'expired';
  }
  return left <= warnMs ? 'expiring' : 'active';
}

/**
 * The time left as a short phrase: "expires in 2 d 4 h", "expires in 35 min", "expired 3 h ago".
 * Values are rounded down, so a label never promises more time than there is. In a display
 * language other than English the phrase comes from `Intl.RelativeTimeFormat` in its largest unit
 * ("in 2 Tagen", "vor 3 Stunden"), so it reads natively without a translation of its own.
 */
export function describeExpiry(expiresAt: string, now: number, locale?: string): string {
  const left = Date.parse(expiresAt) - now;
  const relative = locale && !/^en\b/i.test(locale) ? relativePhrase(left, locale) : undefined;
  if (relative) {
    return relative;
  }
  return left <= 0 ? l10n.t('expired {0} ago', span(-left)) : l10n.t('expires in {0}', span(left));
}

/** `Intl.RelativeTimeFormat` of the largest whole unit; undefined where the runtime lacks the locale. */
function relativePhrase(left: number, locale: string): string | undefined {
  const ms = Math.abs(left);
  const [value, unit]: [number, Intl.RelativeTimeFormatUnit] =
    ms < HOUR ? [Math.max(1, Math.floor(ms / MINUTE)), 'minute'] : ms < DAY ? [Math.floor(ms / HOUR), 'hour'] : [Math.floor(ms / DAY), 'day'];
  try {
    return new Intl.RelativeTimeFormat(locale, { numeric: 'always' }).format(left <= 0 ? -value : value, unit);
  } catch {
    return undefined;
  }
}

function span(ms: number): string {
  if (ms < MINUTE) {
    return l10n.t('< 1 min');
  }
  if (ms < HOUR) {
    return l10n.t('{0} min', Math.floor(ms / MINUTE));
  }
  if (ms < DAY) {
    const hours = Math.floor(ms / HOUR);
    const minutes = Math.floor((ms % HOUR) / MINUTE);
    return hours < 6 && minutes > 0 ? l10n.t('{0} h {1} min', hours, minutes) : l10n.t('{0} h', hours);
  }
  const days = Math.floor(ms / DAY);
  const hours = Math.floor((ms % DAY) / HOUR);
  return hours > 0 ? l10n.t('{0} d {1} h', days, hours) : l10n.t('{0} d', days);
}

/**
 * Milliseconds until any of these labels reads differently, so a view can redraw exactly then
 * instead of polling. Undefined when nothing will change.
 */
export function nextLabelChange(expiresAts: readonly string[], now: number): number | undefined {
  let soonest: number | undefined;
  for (const expiresAt of expiresAts) {
    const delta = Math.abs(Date.parse(expiresAt) - now);
    // Labels change on whole minutes below a day... and on whole hours above it.
    const unit = delta < 6 * HOUR ? MINUTE : HOUR;
    const left = Date.parse(expiresAt) - now;
    const wait = left > 0 ? left % unit || unit : unit - (-left % unit);
    soonest = soonest === undefined ? wait : Math.min(soonest, wait);
  }
  return soonest === undefined ? undefined : Math.max(1000, soonest + 50);
}

/** Identifies one expiry of one upload: a re-upload gives a new expiry, which may be warned about again. */
export function warningKey(record: { id: string; expiresAt: string }): string {
  return `${record.id}@${record.expiresAt}`;
}

/**
 * The uploads to warn about now: still alive, expiring within `windowMs`, and not warned about
 * before (`warned` holds the keys of earlier warnings). Soonest first.
 */
export function dueWarnings<T extends { id: string; expiresAt: string }>(records: readonly T[], warned: ReadonlySet<string>, now: number, windowMs: number): T[] {
  return records
    .filter((record) => {
      const left = Date.parse(record.expiresAt) - now;
      return left > 0 && left <= windowMs && !warned.has(warningKey(record));
    })
    .sort((a, b) => Date.parse(a.expiresAt) - Date.parse(b.expiresAt));
}

/** Milliseconds until the next upload enters the warning window, or undefined when none will. */
export function nextWarningDelay(records: readonly { id: string; expiresAt: string }[], warned: ReadonlySet<string>, now: number, windowMs: number): number | undefined {
  let soonest: number | undefined;
  for (const record of records) {
    const at = Date.parse(record.expiresAt) - windowMs;
    if (Date.parse(record.expiresAt) > now && at > now && !warned.has(warningKey(record))) {
      soonest = soonest === undefined ? at - now : Math.min(soonest, at - now);
    }
  }
  return soonest;
}
