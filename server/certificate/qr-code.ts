/** A QR code as vector squares, so it prints sharp at any size. */
import qrcode from "qrcode-generator";

/** The white margin, in modules, that scanners need around the code (ISO/IEC 18004). */
export const QR_QUIET_ZONE = 4;

export interface QrSymbol {
  /** Modules per side, without the quiet zone. */
  modules: number;
  /** SVG path of the dark modules in module units, origin at the top-left module. */
  path: string;
}

/**
 * Encodes text (a URL) at error correction level M. Each row's runs of dark modules become one
 * rectangle, so neighbouring squares leave no hairline seams in PDF viewers.
 */
export function qrSymbol(text: string): QrSymbol {
  const code = qrcode(0, "M");
  code.addData(text);
  code.make();
  const modules = code.getModuleCount();
  let path = "";
  for (let row = 0; row < modules; row++) {
    let col = 0;
    while (col < modules) {
      if (!code.isDark(row, col)) {
        col++;
        continue;
      }
      const start = col;
      while (col < modules && code.isDark(row, col)) col++;
      path += `M${start} ${row}h${col - start}v1h${start - col}z`;
    }
  }
  return { modules, path };
}
