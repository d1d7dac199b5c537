/** Text for an HTML page or attribute: the five characters that could end an element or a quoted value, escaped. */
export const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** A number to `digits` decimals (speeds, distances and coordinates as they are shown). */
export const round = (value: number, digits: number) => Math.round(value * 10 ** digits) / 10 ** digits;
