// A tiny valid TrueType font built in code (one box glyph for printable ASCII), so the demo's "CDN" can
// serve a real web font without shipping a binary: Chromium's font sanitizer (OTS) accepts it.

/** The family name the demo's stylesheet declares for this font. */
export const DEMO_FONT_FAMILY = "DemoFont";

type Table = { tag: string; data: Buffer };

function u16(...values: number[]): Buffer {
  const b = Buffer.alloc(values.length * 2);
  values.forEach((v, i) => b.writeUInt16BE(v & 0xffff, i * 2));
  return b;
}

function u32(...values: number[]): Buffer {
  const b = Buffer.alloc(values.length * 4);
  values.forEach((v, i) => b.writeUInt32BE(v >>> 0, i * 4));
  return b;
}

/** OpenType table checksum: the sum of big-endian uint32 words, zero-padded to a multiple of 4. */
function checksum(data: Buffer): number {
  const padded = Buffer.concat([data, Buffer.alloc((4 - (data.length % 4)) % 4)]);
  let sum = 0;
  for (let i = 0; i < padded.length; i += 4) sum = (sum + padded.readUInt32BE(i)) >>> 0;
  return sum;
}

function nameTable(family: string): Buffer {
  const names: [number, string][] = [
    [1, family],
    [2, "Regular"],
    [3, `${family} Regular`],
    [4, family],
    [6, family],
  ];
  const strings = names.map(([, s]) => Buffer.from(s, "utf16le").swap16());
  const header = u16(0, names.length, 6 + names.length * 12);
  let offset = 0;
  const records = names.map(([id], i) => {
    const r = u16(3, 1, 0x409, id, strings[i]!.length, offset);
    offset += strings[i]!.length;
    return r;
  });
  return Buffer.concat([header, ...records, ...strings]);
}

/** A format 4 cmap mapping every code point of U+0020..U+007E to glyph 1 (through its glyphIdArray). */
function cmapTable(): Buffer {
  const first = 0x20;
  const last = 0x7e;
  const segCount = 2;
  const glyphIds = u16(...new Array<number>(last - first + 1).fill(1));
  const sub = Buffer.concat([
    u16(4, 16 + segCount * 8 + glyphIds.length, 0, segCount * 2, 4, 1, 0),
    u16(last, 0xffff), // endCode
    u16(0), // reservedPad
    u16(first, 0xffff), // startCode
    u16(0, 1), // idDelta
    // idRangeOffset: segment 0 reads glyphIdArray, which starts right after this array (2 entries = 4 bytes)
    u16(segCount * 2, 0),
    glyphIds,
  ]);
  return Buffer.concat([u16(0, 1), u16(3, 1), u32(12), sub]);
}

/** The font file (TrueType, ~1 KB). */
export function demoFont(family = DEMO_FONT_FAMILY): Buffer {
  // Glyph 1: a 400×700 box, four on-curve points, int16 coordinates (flags 0x01).
  const box = Buffer.concat([
    u16(1, 100, 0, 500, 700), // numberOfContours, xMin, yMin, xMax, yMax
    u16(3, 0), // endPtsOfContours, instructionLength
    Buffer.from([1, 1, 1, 1]),
    u16(100, 0, 400, 0), // x deltas
    u16(0, 700, 0, -700), // y deltas
  ]);
  const glyf = Buffer.concat([box, Buffer.alloc(box.length % 2)]);
  const os2 = Buffer.concat([
    u16(4, 500, 400, 5, 0), // version, xAvgCharWidth, usWeightClass, usWidthClass, fsType
    u16(650, 700, 0, 140, 650, 700, 0, 480, 50, 250, 0), // sub/superscript, strikeout, sFamilyClass
    Buffer.alloc(10), // panose
    u32(1, 0, 0, 0), // ulUnicodeRange (Basic Latin)
    Buffer.from("CNCH", "latin1"),
    u16(0x40, 0x20, 0x7e, 800, -200, 0, 800, 200), // fsSelection, first/last char, typo and win metrics
    u32(1, 0), // ulCodePageRange (Latin 1)
    u16(500, 700, 0, 0x20, 1), // sxHeight, sCapHeight, usDefaultChar, usBreakChar, usMaxContext
  ]);
  const tables: Table[] = [
    { tag: "OS/2", data: os2 },
    { tag: "cmap", data: cmapTable() },
    { tag: "glyf", data: glyf },
    {
      tag: "head",
      data: Buffer.concat([
        u32(0x00010000, 0x00010000, 0, 0x5f0f3cf5), // version, revision, checkSumAdjustment, magic
        u16(0x000b, 1000), // flags, unitsPerEm
        Buffer.alloc(16), // created, modified
        u16(100, 0, 500, 700, 0, 8, 2, 0, 0), // bbox, macStyle, lowestRecPPEM, direction, loca short, glyf 0
      ]),
    },
    {
      tag: "hhea",
      data: Buffer.concat([u32(0x00010000), u16(800, -200, 0, 600, 0, 0, 500, 1, 0, 0, 0, 0, 0, 0, 0, 2)]),
    },
    { tag: "hmtx", data: u16(600, 0, 600, 100) },
    { tag: "loca", data: u16(0, 0, glyf.length / 2) },
    { tag: "maxp", data: Buffer.concat([u32(0x00010000), u16(2, 4, 1, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0)]) },
    { tag: "name", data: nameTable(family) },
    { tag: "post", data: Buffer.concat([u32(0x00030000, 0), u16(-100, 50), u32(0, 0, 0, 0, 0)]) },
  ];
  tables.sort((a, b) => (a.tag < b.tag ? -1 : a.tag > b.tag ? 1 : 0));
  const n = tables.length;
  const entrySelector = Math.floor(Math.log2(n));
  const searchRange = 2 ** entrySelector * 16;
  const header = Buffer.concat([u32(0x00010000), u16(n, searchRange, entrySelector, n * 16 - searchRange)]);
  let offset = 12 + n * 16;
  const records: Buffer[] = [];
  const bodies: Buffer[] = [];
  for (const t of tables) {
    const pad = Buffer.alloc((4 - (t.data.length % 4)) % 4);
    records.push(Buffer.concat([Buffer.from(t.tag, "latin1"), u32(checksum(t.data), offset, t.data.length)]));
    bodies.push(t.data, pad);
    offset += t.data.length + pad.length;
  }
  const font = Buffer.concat([header, ...records, ...bodies]);
  // head.checkSumAdjustment = 0xB1B0AFBA − checksum of the whole font (OpenType "head" table).
  const headOffset = records.find((r) => r.subarray(0, 4).toString("latin1") === "head")!.readUInt32BE(8);
  font.writeUInt32BE((0xb1b0afba - checksum(font)) >>> 0, headOffset + 8);
  return font;
}
