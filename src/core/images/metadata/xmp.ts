/**
 * Location in XMP (Adobe's RDF/XML metadata): GPS properties of any namespace (`exif:GPSLatitude`,
 * `drone-dji:GpsLongitude`), the IPTC and Photoshop place names. They are replaced by spaces of the
 * same length, so the packet stays well-formed XML and keeps its size.
 */

const ANY_PREFIX = '[A-Za-z_][\\w.-]*:';
const LOCATION_NAME =
  `(?:${ANY_PREFIX}(?:GPS|Gps)\\w*|${ANY_PREFIX}(?:Latitude|Longitude|Altitude)` +
  '|photoshop:(?:City|State|Country)|Iptc4xmpCore:(?:Location|CountryCode)' +
  '|Iptc4xmpExt:(?:LocationShown|LocationCreated|City|CountryName|CountryCode|ProvinceState|Sublocation|WorldRegion))';
/** `name="value"` (or with single quotes), with the white space before it kept. */
const ATTRIBUTE = new RegExp(`(?<=\\s)${LOCATION_NAME}\\s*=\\s*(?:"[^"]*"|'[^']*')`, 'g');
/** `<name …/>` or `<name …>…</name>` (its content may be a structure of its own). */
const ELEMENT = new RegExp(`<(${LOCATION_NAME})(?=[\\s/>])[^>]*?(?:/>|>[\\s\\S]*?</\\1\\s*>)`, 'g');
/** Any mention left: what the two patterns above could not take out. */
const MENTION = new RegExp(`[<\\s]${LOCATION_NAME}(?=[\\s=/>])`);

const blank = (match: string): string => ' '.repeat(match.length);

/**
 * The packet (as Latin-1 text: one character per byte) with its location properties blanked, or
 * `undefined` when it had none. `clean` is false when a mention of one is left that the patterns
 * could not remove: the caller then removes the whole packet.
 */
export function blankXmpLocation(text: string): { text: string; clean: boolean } | undefined {
  if (!MENTION.test(text)) {
    return undefined;
  }
  const blanked = text.replace(ELEMENT, blank).replace(ATTRIBUTE, blank);
  return { text: blanked, clean: !MENTION.test(blanked) };
}

/** {@link blankXmpLocation} over bytes (of the same length), or `undefined` when there was nothing to blank. */
export function blankXmpBytes(bytes: Uint8Array): { bytes: Uint8Array; clean: boolean } | undefined {
  const result = blankXmpLocation(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1'));
  return result && { bytes: Buffer.from(result.text, 'latin1'), clean: result.clean };
}

/** XMP location blanked inside `data`, in place; when it cannot be done cleanly, every byte of the packet becomes a space. Whether it held one. */
export function blankXmpInPlace(data: Uint8Array): boolean {
  const blanked = blankXmpBytes(data);
  if (!blanked) {
    return false;
  }
  if (blanked.clean) {
    data.set(blanked.bytes);
  } else {
    data.fill(0x20);
  }
  return true;
}
