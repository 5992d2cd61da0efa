// Times in China Standard Time, and numbers, as the pages show them.

import { lang } from './i18n.js';

/** Times are shown and typed in China Standard Time (UTC+8, no daylight
 * saving) wherever the browser is: the plans, sessions and blocks are set in it. */
const ZONE = 'Asia/Shanghai';

/** China Standard Time's offset from UTC, in milliseconds. */
export const ZONE_MS = 8 * 3600e3;

/** The wall-clock parts of an instant in China Standard Time, as a UTC Date. */
export const china = (instant) => new Date(new Date(instant).getTime() + ZONE_MS);

/** The date-and-time format of each language, made once: making one is far
 * slower than using it, and a province's plan shows thousands of times. */
const timeFormats = new Map();
function timeFormat() {
  if (!timeFormats.has(lang)) {
    timeFormats.set(lang, new Intl.DateTimeFormat(lang === 'zh' ? 'zh-CN' : 'en-GB', { dateStyle: 'short', timeStyle: 'short', timeZone: ZONE }));
  }
  return timeFormats.get(lang);
}

/** Times, numbers and shares as the pages show them. */
export const fmt = {
  time: (iso) => (iso ? timeFormat().format(new Date(iso)) : ''),
  num: (x, d = 3) => (x === null || x === undefined ? '' : Number(x).toFixed(d)),
  pct: (x) => `${(100 * x).toFixed(3)}%`,
};

/** A datetime-local value of an ISO time in China Standard Time, and back to RFC 3339. */
export function localInput(iso) {
  if (!iso) return '';
  return china(iso).toISOString().slice(0, 16);
}

/** A datetime-local value (China Standard Time) as RFC 3339. */
export function rfc3339(local) { return `${local.slice(0, 16)}:00+08:00`; }
