/**
 * Read busybox's applet list straight out of a busybox binary, for any architecture: the
 * binary holds all applet names as one NUL-separated, byte-sorted string table starting
 * with "[" and "[[" (applet_names in libbb). No need to run the (MIPS) binary.
 */
export function appletNamesFromBinary(bin: Uint8Array): string[] {
  const marker = Uint8Array.from([0x5b, 0x00, 0x5b, 0x5b, 0x00]); // "[\0[[\0"
  let best: string[] = [];
  for (let at = indexOf(bin, marker, 0); at >= 0; at = indexOf(bin, marker, at + 1)) {
    const names: string[] = [];
    let i = at;
    for (;;) {
      let j = i;
      while (j < bin.length && bin[j] !== 0) j++;
      const name = Buffer.from(bin.subarray(i, j)).toString('latin1');
      if (name === '' || !/^[\x21-\x7e]+$/.test(name)) break;
      if (names.length > 0 && !(names[names.length - 1]! < name)) break;
      names.push(name);
      i = j + 1;
    }
    if (names.length > best.length) best = names;
  }
  return best;
}

function indexOf(hay: Uint8Array, needle: Uint8Array, from: number): number {
  return Buffer.from(hay.buffer, hay.byteOffset, hay.byteLength).indexOf(needle, from);
}
