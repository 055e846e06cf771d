const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/**
 * Go's base64.StdEncoding.DecodeString: padded, newlines skipped, and on bad input the error
 * `illegal base64 data at input byte N` with Go's offset, which transit passes to clients verbatim.
 * Node's decoder silently skips junk instead, hence this walk over Go's decodeQuantum.
 */
export function decodeStdBase64(text: string): Buffer {
  const fail = (at: number) => new Error(`illegal base64 data at input byte ${at}`);
  const out: number[] = [];
  let si = 0;
  while (si < text.length) {
    const quantum: number[] = [];
    let done = false;
    while (quantum.length < 4) {
      if (si === text.length) {
        if (quantum.length === 0) return Buffer.from(out);
        // Padding is mandatory in StdEncoding, so a short final quantum is corrupt.
        throw fail(si - quantum.length);
      }
      const ch = text[si]!;
      si++;
      const value = ALPHABET.indexOf(ch);
      if (value !== -1) {
        quantum.push(value);
        continue;
      }
      if (ch === '\n' || ch === '\r') continue;
      if (ch !== '=') throw fail(si - 1);
      // Padding: only after two or three characters of a quantum.
      if (quantum.length < 2) throw fail(si - 1);
      if (quantum.length === 2) {
        while (si < text.length && (text[si] === '\n' || text[si] === '\r')) si++;
        if (si === text.length) throw fail(text.length);
        if (text[si] !== '=') throw fail(si - 1);
        si++;
      }
      while (si < text.length && (text[si] === '\n' || text[si] === '\r')) si++;
      if (si < text.length) throw fail(si);
      done = true;
      break;
    }
    const [a = 0, b = 0, c = 0, d = 0] = quantum;
    const bits = (a << 18) | (b << 12) | (c << 6) | d;
    const bytes = [(bits >> 16) & 0xff, (bits >> 8) & 0xff, bits & 0xff];
    out.push(...bytes.slice(0, quantum.length - 1));
    if (done) break;
  }
  return Buffer.from(out);
}
