/**
 * The chrome's icons: small stroked SVGs drawn in the current colour, hidden from screen readers
 * (the control they sit in carries the words). Paths on a 24 × 24 grid.
 */

const SVG = 'http://www.w3.org/2000/svg';

const PATHS = {
  lock: 'M6 11h12v10H6z M8.5 11V7.5a3.5 3.5 0 0 1 7 0V11 M12 15v2',
  list: 'M9 6h11 M9 12h11 M9 18h11 M4 6h.01 M4 12h.01 M4 18h.01',
  incident: 'M12 3.5 2.5 20h19z M12 10v4.5 M12 17.5h.01',
  need: 'M12 20s-7.5-4.6-8.8-9.4A4.6 4.6 0 0 1 12 7.4a4.6 4.6 0 0 1 8.8 3.2C19.5 15.4 12 20 12 20z',
  settings: 'M4 6h16 M4 12h16 M4 18h16 M15 4v4 M8 10v4 M13 16v4',
  chart: 'M4 20V11 M10 20V5 M16 20v-6 M21 20H3',
  menu: 'M4 6h16 M4 12h16 M4 18h16',
  online: 'M12 7a5 5 0 1 0 0 10a5 5 0 1 0 0-10z',
  offline: 'M12 7a5 5 0 1 0 0 10a5 5 0 1 0 0-10z M5 5l14 14',
};

/** An <svg> icon by name, decorative (aria-hidden). */
export function icon(name) {
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('class', `icon icon-${name}`);
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('focusable', 'false');
  const path = document.createElementNS(SVG, 'path');
  path.setAttribute('d', PATHS[name]);
  svg.append(path);
  return svg;
}
