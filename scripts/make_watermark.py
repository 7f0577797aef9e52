"""Write static/print/draft.svg: the 草稿 watermark as outlines, so it never becomes extractable text.

Run once (python scripts/make_watermark.py); the SVG is committed and served as a static file.
"""
from pathlib import Path

from fontTools.pens.svgPathPen import SVGPathPen
from fontTools.pens.transformPen import TransformPen
from fontTools.ttLib import TTCollection

FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc"
TEXT = "草稿"
OUT = Path(__file__).resolve().parents[1] / "static" / "print" / "draft.svg"


def main():
    collection = TTCollection(FONT)
    font = next(f for f in collection.fonts if "SC" in f["name"].getDebugName(1))
    glyphs, cmap = font.getGlyphSet(), font.getBestCmap()
    upem = font["head"].unitsPerEm
    pen = SVGPathPen(glyphs)
    x = 0
    for char in TEXT:
        name = cmap[ord(char)]
        # Flip the y axis (font units grow upwards) and move each glyph after the previous one.
        glyphs[name].draw(TransformPen(pen, (1, 0, 0, -1, x, upem * 0.88)))
        x += glyphs[name].width
    width, height = x, upem
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width * 3}" height="{height * 3}" '
        f'viewBox="{-width * 0.25} {-height * 0.5} {width * 1.5} {height * 2}">'
        f'<g transform="rotate(-30 {width / 2} {height / 2})">'
        f'<path fill="rgb(160,0,0)" fill-opacity="0.13" d="{pen.getCommands()}"/></g></svg>\n',
        encoding="utf-8",
    )


if __name__ == "__main__":
    main()
