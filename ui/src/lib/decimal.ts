/**
 * Exact decimal arithmetic on the decimal strings the core sends (`"12.50"`), with BigInt.
 * Money is never turned into a float: sums and divisions here are exact.
 */

/** A decimal as an integer of units of 10^-scale. */
interface Scaled {
  units: bigint;
  scale: number;
}

const DECIMAL = /^([+-])?(\d*)(?:\.(\d*))?$/;

/** True when `s` is a plain decimal string the core could have sent. */
export function isDecimal(s: string): boolean {
  const m = DECIMAL.exec(s.trim());
  return m !== null && (m[2] ?? "") + (m[3] ?? "") !== "";
}

function parse(s: string): Scaled {
  const m = DECIMAL.exec(s.trim());
  if (!m || (m[2] ?? "") + (m[3] ?? "") === "") {
    throw new Error(`not a decimal: ${JSON.stringify(s)}`);
  }
  const frac = m[3] ?? "";
  const digits = `${m[2] || "0"}${frac}`;
  const units = BigInt(digits) * (m[1] === "-" ? -1n : 1n);
  return { units, scale: frac.length };
}

function align(a: Scaled, b: Scaled): [bigint, bigint, number] {
  const scale = Math.max(a.scale, b.scale);
  return [
    a.units * 10n ** BigInt(scale - a.scale),
    b.units * 10n ** BigInt(scale - b.scale),
    scale,
  ];
}

function render(units: bigint, scale: number): string {
  const negative = units < 0n;
  const digits = (negative ? -units : units).toString().padStart(scale + 1, "0");
  const whole = digits.slice(0, digits.length - scale);
  const frac = scale > 0 ? `.${digits.slice(digits.length - scale)}` : "";
  return `${negative ? "-" : ""}${whole}${frac}`;
}

/** a + b, keeping the larger number of decimal places. */
export function add(a: string, b: string): string {
  const [x, y, scale] = align(parse(a), parse(b));
  return render(x + y, scale);
}

/** The sum of `values` (`"0"` for none). */
export function sum(values: readonly string[]): string {
  return values.reduce((acc, v) => add(acc, v), "0");
}

/** -1, 0 or 1 as a is below, equal to or above b. */
export function compare(a: string, b: string): number {
  const [x, y] = align(parse(a), parse(b));
  return x < y ? -1 : x > y ? 1 : 0;
}

/** How many whole times `divisor` fits in `dividend` (floor; null when the divisor is 0). */
export function wholeQuotient(dividend: string, divisor: string): bigint | null {
  const [x, y] = align(parse(dividend), parse(divisor));
  if (y === 0n) return null;
  const q = x / y; // BigInt division truncates toward zero
  const exact = q * y === x;
  return !exact && x < 0n !== y < 0n ? q - 1n : q;
}

/** `value` with exactly `places` decimals, rounded half away from zero. */
export function toFixed(value: string, places: number): string {
  const p = parse(value);
  if (p.scale <= places) {
    return render(p.units * 10n ** BigInt(places - p.scale), places);
  }
  const factor = 10n ** BigInt(p.scale - places);
  const negative = p.units < 0n;
  const abs = negative ? -p.units : p.units;
  let q = abs / factor;
  if ((abs % factor) * 2n >= factor) q += 1n;
  return render(negative ? -q : q, places);
}

/** Groups the whole part in thousands (`"12345.50"` → `"12,345.50"`). */
export function group(value: string): string {
  const negative = value.startsWith("-");
  const body = negative ? value.slice(1) : value;
  const [whole, frac] = body.split(".");
  const grouped = (whole ?? "0").replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return `${negative ? "-" : ""}${grouped}${frac !== undefined ? `.${frac}` : ""}`;
}
