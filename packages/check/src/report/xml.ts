/**
 * Text safe inside XML 1.0 content and attributes: markup characters escaped, and characters XML
 * cannot carry at all (most C0 controls, lone surrogates) replaced, since evidence quotes whatever
 * the API answered.
 */
export function xmlText(value: string): string {
  return value
    .replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '\uFFFD')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}
