/** Bytes written as digits with an optional K, M or G suffix (powers of 1024); undefined if malformed. */
export function sizeOf(v: string): number | undefined {
  const m = /^(\d+)([KMG]?)$/i.exec(v.trim());
  return m ? Number(m[1]) * 1024 ** ' KMG'.indexOf((m[2] || ' ').toUpperCase()) : undefined;
}
