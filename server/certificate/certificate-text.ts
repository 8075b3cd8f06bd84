/** Untrusted names made safe to print, and text broken into lines that fit a width. */

/** Shown instead of a character that is invisible, a control, or missing from the font. */
export const REPLACEMENT_CHARACTER = "\uFFFD";

/**
 * Controls, format characters (bidirectional overrides such as U+202E, zero-width characters),
 * line and paragraph separators, private-use, surrogate and unassigned code points: each could
 * hide or reorder what a reader sees, so none is drawn as is.
 */
const HIDDEN = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Co}\p{Cs}\p{Cn}]/u;
const SPACE = /\p{Zs}/u;
const LISTED_CODE_POINTS = 8;

export interface PrintableText {
  text: string;
  /** Sentences for the reader when the text shown differs from the text given. */
  notes: string[];
}

export interface PrintableTextOptions {
  /** How the note names the text: "The organisation's name". */
  subject: string;
  /** Longest text shown, in characters (code points); longer text is shortened with "…". */
  maxLength: number;
  /** True when the font that will draw the text has a glyph for the code point. */
  covers: (codePoint: number) => boolean;
}

function codePointList(codePoints: readonly number[]): string {
  const shown = codePoints
    .slice(0, LISTED_CODE_POINTS)
    .map((codePoint) => `U+${codePoint.toString(16).toUpperCase().padStart(4, "0")}`);
  const more = codePoints.length - shown.length;
  return more > 0 ? `${shown.join(", ")} and ${more} more` : shown.join(", ");
}

/**
 * Prepares text from outside (a name set on chain, a file name a user typed) to be drawn as plain
 * text: Unicode NFC, every space as U+0020, and each character that is hidden or the font lacks
 * replaced by U+FFFD, with a note saying which. Drawing never fails on what it is given.
 */
export function printableText(raw: string, options: PrintableTextOptions): PrintableText {
  const notes: string[] = [];
  let characters = Array.from(raw.normalize("NFC"));
  if (characters.length > options.maxLength) {
    notes.push(
      `${options.subject} has ${characters.length} characters; the first ${options.maxLength - 1} are shown, then "…".`,
    );
    characters = [...characters.slice(0, options.maxLength - 1), "…"];
  }
  const hidden = new Set<number>();
  const missing = new Set<number>();
  const shown = characters.map((character) => {
    const codePoint = character.codePointAt(0)!;
    if (HIDDEN.test(character)) {
      hidden.add(codePoint);
      return REPLACEMENT_CHARACTER;
    }
    const printed = SPACE.test(character) ? " " : character;
    if (!options.covers(printed.codePointAt(0)!)) {
      missing.add(codePoint);
      return REPLACEMENT_CHARACTER;
    }
    return printed;
  });
  if (hidden.size > 0) {
    notes.push(
      `${options.subject} contains control or invisible formatting characters, each shown as ${REPLACEMENT_CHARACTER} (${codePointList([...hidden])}).`,
    );
  }
  if (missing.size > 0) {
    notes.push(
      `${options.subject} contains characters this certificate's font cannot draw, each shown as ${REPLACEMENT_CHARACTER} (${codePointList([...missing])}).`,
    );
  }
  return { text: shown.join(""), notes };
}

const graphemes = new Intl.Segmenter("en", { granularity: "grapheme" });

/**
 * Breaks text into lines no wider than `width`: at spaces where it can, and inside a word
 * (between user-perceived characters) where a word alone is too wide, as long hex values and
 * names without spaces are. `measure` is asked for single words and characters only, and widths
 * are added up: glyph advances add, so this is exact at spaces, and within a word it errs wide
 * (a ligature is narrower than its letters).
 */
export function wrapText(text: string, width: number, measure: (piece: string) => number): string[] {
  const widths = new Map<string, number>();
  const widthOf = (piece: string) => {
    let known = widths.get(piece);
    if (known === undefined) {
      known = measure(piece);
      widths.set(piece, known);
    }
    return known;
  };
  const space = widthOf(" ");
  const lines: string[] = [];
  let line = "";
  let lineWidth = 0;
  for (const word of text.split(" ")) {
    const wordWidth = widthOf(word);
    const joinedWidth = line === "" ? wordWidth : lineWidth + space + wordWidth;
    if (joinedWidth <= width) {
      line = line === "" ? word : `${line} ${word}`;
      lineWidth = joinedWidth;
      continue;
    }
    if (line !== "") lines.push(line);
    line = "";
    lineWidth = 0;
    for (const { segment } of graphemes.segment(word)) {
      const segmentWidth = widthOf(segment);
      if (line !== "" && lineWidth + segmentWidth > width) {
        lines.push(line);
        line = segment;
        lineWidth = segmentWidth;
      } else {
        line += segment;
        lineWidth += segmentWidth;
      }
    }
  }
  lines.push(line);
  return lines;
}
