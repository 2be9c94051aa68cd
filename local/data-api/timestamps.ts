/**
 * timestamptz values as the Data API returns them: in UTC, `YYYY-MM-DD HH:MM:SS[.ffffff]`, without a
 * `T` or an offset (see `/work/shared/data-api-reference.md`, "Result mapping").
 */

const TIMESTAMPTZ = /^(\d{4,})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)(\.\d+)?([+-])(\d\d)(?::(\d\d))?(?::(\d\d))?$/;

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/**
 * Converts PostgreSQL's ISO output of a timestamptz (`2024-01-02 05:04:05.5+02`, in whatever TimeZone
 * the session had) to UTC without the offset (`2024-01-02 03:04:05.5`). Fractional seconds are kept
 * as printed (microseconds at most). Values it does not recognise (`infinity`, BC dates, a non-ISO
 * DateStyle) are returned unchanged.
 */
export function timestamptzToUtc(text: string): string {
  const m = TIMESTAMPTZ.exec(text);
  if (!m) return text;
  const [, y, mo, d, h, mi, s, fraction = '', sign, oh, om = '0', os = '0'] = m;
  const offsetSeconds = (sign === '-' ? -1 : 1) * (Number(oh) * 3600 + Number(om) * 60 + Number(os));
  if (offsetSeconds === 0) return `${y}-${mo}-${d} ${h}:${mi}:${s}${fraction}`;
  const date = new Date(0);
  date.setUTCFullYear(Number(y), Number(mo) - 1, Number(d));
  date.setUTCHours(Number(h), Number(mi), Number(s) - offsetSeconds, 0);
  return (
    `${pad(date.getUTCFullYear(), 4)}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())} ` +
    `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}${fraction}`
  );
}
