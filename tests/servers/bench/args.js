'use strict';
// What the Node.js bench clients share: reading `--name value` arguments and percentiles.

/** The value after `name` on the command line, or `fallback`. */
function arg(name, fallback) {
  const i = process.argv.indexOf(name);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}

/** The `p`th percentile of ascending `sorted` (nearest rank). */
function percentile(sorted, p) {
  if (sorted.length === 0) return 0;
  const idx = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, idx)];
}

module.exports = { arg, percentile };
