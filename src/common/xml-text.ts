/**
 * The one XML text escaper of the codebase (the XML data file and the OFD parts both use it).
 *
 * `escapeXml(s)` makes `s` safe as element content or as a double-quoted attribute value:
 * - characters XML 1.0 does not allow (its `Char` production: C0 controls other than tab, LF and
 *   CR; U+FFFE and U+FFFF; UTF-16 surrogates that are not part of a pair) are dropped;
 * - & < > " ' are escaped as entities;
 * - tab, LF and CR are written as character references (&#9; &#10; &#13;), so that a parser reads
 *   them back exactly (a raw CR would be read as LF; attribute normalisation would turn raw
 *   whitespace into spaces).
 */

/** Anything that needs escaping or dropping (lone surrogates included: `u` flag). */
const NEEDS_ESCAPE = /[&<>"'\u0000-\u001F\uFFFE\uFFFF\uD800-\uDFFF]/u;
const ESCAPE_ALL = /[&<>"'\u0000-\u001F\uFFFE\uFFFF\uD800-\uDFFF]/gu;
const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;', '\t': '&#9;', '\n': '&#10;', '\r': '&#13;' };

/** `s` as XML character data or attribute value (see above); everything else is kept as is. */
export function escapeXml(s: string): string {
  if (!NEEDS_ESCAPE.test(s)) return s;
  return s.replace(ESCAPE_ALL, (c) => ESCAPES[c] ?? '');
}

/** Whether XML 1.0 allows the code point (its `Char` production). */
export function allowedInXml(cp: number): boolean {
  return cp >= 0x20 ? cp <= 0xd7ff || (cp >= 0xe000 && cp <= 0xfffd) || cp >= 0x10000 : cp === 0x9 || cp === 0xa || cp === 0xd;
}

/** Characters XML 1.0 does not allow (lone surrogates included: `u` flag). */
export const FORBIDDEN_IN_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF\uD800-\uDFFF]/u;
