/** Element headers in Explicit VR Little Endian, the syntax every converted file is written in. */

/** A header with a 16-bit length (PS3.5 7.1.2, VRs other than OB, OW, SQ, UN, UT, …). */
export function shortHeader(group: number, element: number, vr: string, length: number): Buffer {
  const header = Buffer.alloc(8);
  header.writeUInt16LE(group, 0);
  header.writeUInt16LE(element, 2);
  header.write(vr, 4, 'latin1');
  header.writeUInt16LE(length, 6);
  return header;
}

/** A header with two reserved bytes and a 32-bit length (OB, OW, SQ, UN, UT, … and undefined lengths). */
export function longHeader(group: number, element: number, vr: string, length: number): Buffer {
  const header = Buffer.alloc(12);
  header.writeUInt16LE(group, 0);
  header.writeUInt16LE(element, 2);
  header.write(vr, 4, 'latin1');
  header.writeUInt32LE(length, 8);
  return header;
}
