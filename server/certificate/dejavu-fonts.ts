/**
 * The DejaVu fonts a certificate is set in, read from the `dejavu-fonts-ttf` package: bundled with
 * the installation, never fetched. DejaVu covers Latin, Greek, Cyrillic, Armenian, Georgian,
 * Hebrew, Arabic and more; not Chinese, Japanese or Korean.
 */
import { readFileSync } from "node:fs";
import path from "node:path";

/** TrueType files, whole; the renderer embeds only the glyphs a certificate uses. */
export interface CertificateFonts {
  regular: Uint8Array;
  bold: Uint8Array;
  mono: Uint8Array;
}

/** Reads one file of the package's `ttf/` directory. */
export type FontFileReader = (absolutePath: string) => Uint8Array;

const FILES: Record<keyof CertificateFonts, string> = {
  regular: "DejaVuSans.ttf",
  bold: "DejaVuSans-Bold.ttf",
  mono: "DejaVuSansMono.ttf",
};

/** The installed package's `ttf/` directory. */
export function dejaVuDirectory(): string {
  return path.join(path.dirname(require.resolve("dejavu-fonts-ttf/package.json")), "ttf");
}

/** Reads the three fonts (about 1.8 MB). Read once at start-up and pass them to every rendering. */
export function loadDejaVuFonts(read: FontFileReader = readFileSync): CertificateFonts {
  const directory = dejaVuDirectory();
  return {
    regular: read(path.join(directory, FILES.regular)),
    bold: read(path.join(directory, FILES.bold)),
    mono: read(path.join(directory, FILES.mono)),
  };
}
