/**
 * A QR code drawn in the page (vendored uqr, MIT): an invite link's secret is in its fragment,
 * so it must never go to a QR service elsewhere. One SVG path, built with DOM calls (no markup
 * strings, no inline style), dark on light whatever the theme, as scanners expect.
 */

import { encode } from '../../vendor/uqr/uqr.js';

const SVG = 'http://www.w3.org/2000/svg';

/** The SVG path of a module matrix (rows of booleans): one unit square per dark module. */
export function modulePath(rows) {
  const parts = [];
  rows.forEach((row, y) => row.forEach((dark, x) => { if (dark) parts.push(`M${x} ${y}h1v1h-1z`); }));
  return parts.join('');
}

/** An <svg> QR code of `text` (error correction M, a four-module quiet zone), labelled for screen readers. */
export function qrCode(text, label) {
  const { data, size } = encode(text, { ecc: 'M', border: 4 });
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('viewBox', `0 0 ${size} ${size}`);
  svg.setAttribute('class', 'qr');
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', label);
  svg.setAttribute('shape-rendering', 'crispEdges');
  const back = document.createElementNS(SVG, 'rect');
  back.setAttribute('width', String(size));
  back.setAttribute('height', String(size));
  back.setAttribute('fill', '#ffffff');
  const path = document.createElementNS(SVG, 'path');
  path.setAttribute('d', modulePath(data));
  path.setAttribute('fill', '#000000');
  svg.append(back, path);
  return svg;
}
