import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isSafeText, safeText } from "../../src/text/safe-text.js";

describe("safe text", () => {
  it("escapes what could drive a terminal or reorder text, and keeps every script's letters", () => {
    expect(safeText("1.0\n\u001b[31mRED")).toBe("1.0\\u{a}\\u{1b}[31mRED");
    expect(safeText("abc\u202Eevil")).toBe("abc\\u{202e}evil");
    expect(safeText("v2.1+build.5 été 版本 ✓")).toBe("v2.1+build.5 été 版本 ✓");
    expect(safeText("\t\r\u0000\u0085\u00a0\u2028")).toBe("\\u{9}\\u{d}\\u{0}\\u{85}\\u{a0}\\u{2028}");
    expect(safeText("\ud800x")).toBe("\\u{d800}x");
    expect(safeText("x".repeat(300), 200)).toHaveLength(200);
  });

  it("gives safe text for any input, and escaping twice changes nothing", () => {
    fc.assert(
      fc.property(
        fc.string({ unit: "binary", maxLength: 300 }),
        fc.option(fc.integer({ min: 4, max: 400 })),
        (text, max) => {
          const once = safeText(text, max ?? undefined);
          expect(isSafeText(once)).toBe(true);
          expect(safeText(once, max ?? undefined)).toBe(once);
          expect(once).not.toMatch(/\p{Cc}/u);
        },
      ),
      { numRuns: 500 },
    );
  });
});
