/**
 * Python/pandas formatting as the VirNucPro pipeline prints numbers and times, so generated artifacts
 * are byte-for-byte what the real code would write (FORMATS.md quotes the f-string templates).
 */

/**
 * `f"{x:.{digits}f}"`: Python rounds the exact binary value half-to-even; JS `toFixed` rounds exact
 * ties up. Only exact ties differ, and those are detected from the exact decimal expansion.
 */
export function pyFixed(x: number, digits: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (x < 0 || Object.is(x, -0)) {
    const s = pyFixed(-x, digits);
    return /[1-9]/.test(s) || Object.is(x, -0) ? `-${s}` : s;
  }
  const fixed = x.toFixed(digits);
  const exact = x.toFixed(Math.min(100, digits + 70));
  const tail = exact.slice(exact.length - 70);
  if (/^50*$/.test(tail)) {
    // exact tie: toFixed chose the larger neighbour; Python takes the even one
    const lastDigit = Number(fixed[fixed.length - 1]);
    if (lastDigit % 2 === 1) return decrementLastDigit(fixed);
  }
  return fixed;
}

function decrementLastDigit(s: string): string {
  // the rounded-up value ends in an odd digit, so no borrow is needed
  return s.slice(0, -1) + String(Number(s[s.length - 1]) - 1);
}

/** `f"{x:.{digits}%}"` */
export function pyPercent(x: number, digits: number): string {
  return `${pyFixed(x * 100, digits)}%`;
}

/** `f"{n:,}"` for an integer */
export function pyThousands(n: number): string {
  if (!Number.isInteger(n)) throw new Error(`pyThousands expects an integer, got ${n}`);
  const s = String(Math.abs(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return n < 0 ? `-${s}` : s;
}

/** `f"{x:,.{digits}f}"` */
export function pyFixedThousands(x: number, digits: number): string {
  const s = pyFixed(x, digits);
  const [int, frac] = s.split(".");
  const neg = int!.startsWith("-");
  const body = (neg ? int!.slice(1) : int!).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return (neg ? "-" : "") + body + (frac !== undefined ? `.${frac}` : "");
}

/** `f"{x:{width}.{digits}f}"` (right-aligned) */
export function pyFixedWidth(x: number, width: number, digits: number): string {
  return pyFixed(x, digits).padStart(width, " ");
}

/**
 * `repr(float)`: shortest round-trip digits like JS, but Python switches to exponent notation below
 * 1e-4 (JS: below 1e-6) and always writes a two-digit exponent and a `.0` on integral values.
 */
export function pyRepr(x: number): string {
  if (Number.isNaN(x)) return "nan";
  if (!Number.isFinite(x)) return x > 0 ? "inf" : "-inf";
  if (x === 0) return Object.is(x, -0) ? "-0.0" : "0.0";
  const abs = Math.abs(x);
  if (abs < 1e-4 || abs >= 1e16) {
    const [mantissa, exponent] = x.toExponential().split("e");
    const sign = exponent!.startsWith("-") ? "-" : "+";
    const digits = exponent!.replace(/^[+-]/, "").padStart(2, "0");
    return `${mantissa}e${sign}${digits}`;
  }
  const s = String(x);
  return /[.e]/.test(s) ? s : `${s}.0`;
}

const POW10: number[] = Array.from({length: 309}, (_, i) => Number(`1e${i}`));

/**
 * pandas' default `read_csv` float parser (`precise_xstrtod`, tokenizer.c): at most 17 digits are
 * accumulated in a double (leading zeros count as digits, the sum is rounded above 2^53), then scaled
 * by one power of ten. This is why `0.12100530415773392` comes back as `0.1210053041577339` and
 * `0.9988405108451843` as `0.9988405108451844` in real consensus files (FORMATS §8.2).
 */
export function pandasParseFloat(text: string): number {
  let p = 0;
  let negative = false;
  if (text[p] === "-" || text[p] === "+") {
    negative = text[p] === "-";
    p++;
  }
  const isDigit = (c: string | undefined) => c !== undefined && c >= "0" && c <= "9";
  const maxDigits = 17;
  let number = 0;
  let exponent = 0;
  let numDigits = 0;
  let numDecimals = 0;
  while (isDigit(text[p])) {
    if (numDigits < maxDigits) {
      number = number * 10 + (text.charCodeAt(p) - 48);
      numDigits++;
    } else {
      exponent++;
    }
    p++;
  }
  if (text[p] === ".") {
    p++;
    while (numDigits < maxDigits && isDigit(text[p])) {
      number = number * 10 + (text.charCodeAt(p) - 48);
      p++;
      numDigits++;
      numDecimals++;
    }
    while (isDigit(text[p])) p++;
    exponent -= numDecimals;
  }
  if (text[p] === "e" || text[p] === "E") {
    p++;
    let expNegative = false;
    if (text[p] === "-" || text[p] === "+") {
      expNegative = text[p] === "-";
      p++;
    }
    let n = 0;
    while (isDigit(text[p])) {
      n = n * 10 + (text.charCodeAt(p) - 48);
      p++;
    }
    exponent += expNegative ? -n : n;
  }
  if (p !== text.length) throw new Error(`not a float: '${text}'`);
  if (exponent > 308) number = Infinity;
  else if (exponent > 0) number *= POW10[exponent]!;
  else if (exponent < -308) number = number / POW10[308]! / POW10[-exponent - 308]!;
  else number /= POW10[-exponent]!;
  return negative ? -number : number;
}

// ---------------------------------------------------------------------------------------------------
// Clocks. Every generator time is an integer count of microseconds on the log's naive local clock,
// stored as if it were UTC (so Date's UTC accessors print the local wall time).

const pad = (n: number, width = 2) => String(n).padStart(width, "0");

function parts(localMicros: number) {
  const micros = ((localMicros % 1_000_000) + 1_000_000) % 1_000_000;
  const d = new Date((localMicros - micros) / 1000);
  return {
    date: `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`,
    time: `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`,
    compact: `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}_${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}`,
    micros
  };
}

/** logging asctime with datefmt '%Y-%m-%d %H:%M:%S' (main process) */
export function asctime(localMicros: number): string {
  const p = parts(localMicros);
  return `${p.date} ${p.time}`;
}

/** default logging asctime 'YYYY-MM-DD HH:MM:SS,mmm' (v2 workers; milliseconds truncated) */
export function asctimeMs(localMicros: number): string {
  const p = parts(localMicros);
  return `${p.date} ${p.time},${pad(Math.floor(p.micros / 1000), 3)}`;
}

/** `datetime.isoformat()`: microseconds only when non-zero */
export function isoformat(micros: number): string {
  const p = parts(micros);
  return `${p.date}T${p.time}${p.micros ? `.${pad(p.micros, 6)}` : ""}`;
}

/** `strftime("%Y%m%d_%H%M%S")` */
export function compactStamp(localMicros: number): string {
  return parts(localMicros).compact;
}

/** local naive 'YYYY-MM-DD HH:MM:SS' -> microseconds on the same naive clock */
export function localMicros(text: string): number {
  const m = /^(\d{4})-(\d\d)-(\d\d)[ T](\d\d):(\d\d):(\d\d)$/.exec(text);
  if (!m) throw new Error(`expected 'YYYY-MM-DD HH:MM:SS', got '${text}'`);
  return Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!) * 1000;
}

/** tqdm's format_interval */
export function tqdmInterval(seconds: number): string {
  const t = Math.floor(seconds);
  const h = Math.floor(t / 3600);
  const m = Math.floor((t % 3600) / 60);
  const s = t % 60;
  return h ? `${h}:${pad(m)}:${pad(s)}` : `${pad(m)}:${pad(s)}`;
}

/** pipeline_telemetry._format_hms: each field truncated with int(), hours unbounded */
export function formatHms(seconds: number): string {
  const h = Math.trunc(seconds / 3600);
  const m = Math.trunc((seconds % 3600) / 60);
  const s = Math.trunc(seconds % 60);
  return `${pad(h)}:${pad(m)}:${pad(s)}`;
}
