/** A duration as people write it: `45 s`, `12 min`, `3 h 20 min`, `9 days`. */
export function duration(ms: number): string {
  const sign = ms < 0 ? '-' : '';
  const s = Math.round(Math.abs(ms) / 1000);
  if (s < 120) return `${sign}${s} s`;
  const min = Math.round(s / 60);
  if (min < 60) return `${sign}${min} min`;
  const h = Math.floor(min / 60);
  if (h < 48) return `${sign}${h} h${min % 60 ? ` ${min % 60} min` : ''}`;
  return `${sign}${Math.round(h / 24)} days`;
}
