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
 * Values are rounded down, so a label never promises more time than there is.
 */
export function describeExpiry(expiresAt: string, now: number): string {
  const left = Date.parse(expiresAt) - now;
  if (left <= 0) {
    return `expired ${span(-left)} ago`;
  }
  return `expires in ${span(left)}`;
}

function span(ms: number): string {
  if (ms < MINUTE) {
    return '< 1 min';
  }
  if (ms < HOUR) {
    return `${Math.floor(ms / MINUTE)} min`;
  }
  if (ms < DAY) {
    const hours = Math.floor(ms / HOUR);
    const minutes = Math.floor((ms % HOUR) / MINUTE);
    return hours < 6 && minutes > 0 ? `${hours} h ${minutes} min` : `${hours} h`;
  }
  const days = Math.floor(ms / DAY);
  const hours = Math.floor((ms % DAY) / HOUR);
  return hours > 0 ? `${days} d ${hours} h` : `${days} d`;
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
