/**
 * The face's CJK font: Noto Sans SC Regular as TrueType (glyf outlines), shipped by an npm package
 * so that `npm install` provides it on any machine. Read and parsed once per process.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

// fontkit ships no TypeScript types: the few members used here.
interface Glyph {
  id: number;
  advanceWidth: number;
}
interface FontkitFont {
  unitsPerEm: number;
  ascent: number;
  descent: number;
  postscriptName: string;
  familyName: string;
  glyphsForString(text: string): Glyph[];
  createSubset(): unknown;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const fontkit: { create(buffer: Uint8Array): FontkitFont } = require('fontkit');

export const FONT_FILE = path.join(path.dirname(require.resolve('@expo-google-fonts/noto-sans-sc/package.json')), '400Regular', 'NotoSansSC_400Regular.ttf');

export class FaceFont {
  readonly bytes: Buffer;
  readonly font: FontkitFont;
  private readonly advanceCache = new Map<number, number>();

  constructor(file = FONT_FILE) {
    this.bytes = fs.readFileSync(file);
    this.font = fontkit.create(this.bytes);
  }

  get familyName(): string {
    return this.font.familyName;
  }

  get postscriptName(): string {
    return this.font.postscriptName;
  }

  /** Advance of each character, in font units (no shaping: CJK and figures need none). */
  private unitAdvances(text: string): number[] {
    const out: number[] = [];
    for (const ch of text) {
      const cp = ch.codePointAt(0)!;
      let advance = this.advanceCache.get(cp);
      if (advance === undefined) {
        advance = this.font.glyphsForString(ch)[0]?.advanceWidth ?? this.font.unitsPerEm;
        this.advanceCache.set(cp, advance);
      }
      out.push(advance);
    }
    return out;
  }

  /** Width of `text` at `size` mm. */
  width(text: string, size: number): number {
    return (this.unitAdvances(text).reduce((a, b) => a + b, 0) * size) / this.font.unitsPerEm;
  }

  /** Per-character advances in mm (OFD DeltaX): from each character to the next. */
  advances(text: string, size: number): number[] {
    return this.unitAdvances(text)
      .slice(0, -1)
      .map((a) => Math.round(((a * size) / this.font.unitsPerEm) * 1000) / 1000);
  }
}

let shared: FaceFont | null = null;

/** The process-wide font (parsed on first use). */
export function faceFont(): FaceFont {
  shared ??= new FaceFont();
  return shared;
}
