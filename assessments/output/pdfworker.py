"""HTML → PDF with WeasyPrint, without Django, so it can run in a child process that is recycled.

WeasyPrint's caches grow with every document it lays out (a warm process reached 713 MB after 100
forms), so batch exports and downloads render in child processes that are replaced every few dozen
forms; the child needs nothing but the HTML, the folders of static files it may read and the
folder of prepared fonts.

Fonts: a CJK face has 30,000–65,000 glyphs, and subsetting the whole face for every PDF was most
of a render. ``prepare_faces`` (run once by ``make setup`` / ``manage.py prepare_fonts``) cuts
each face the print layout names down to GB2312, ASCII and the usual symbols, under a family name
of its own ("Noto Serif CJK SC GB2312"); ``render`` puts that family in front of the system one,
so a character outside the subset (a rare name such as 堃 or 㵘) still comes from the full system
face. The page looks the same, the PDF is smaller and faster to write. One FontConfiguration and
one font stylesheet are kept per process: a new one per render re-reads the fonts and grows memory.

WeasyPrint embeds a face subset with its glyph ids kept, so the embedded face holds every glyph id
up to the highest one the page uses (empty outlines and widths for the unused ones). A prepared
face therefore numbers its glyphs in the order of ``glyph_order.txt`` (the characters of this
domain, then of general Chinese, most frequent first): a demo form's highest glyph id falls from
about 13,800 to 600–900, and the embedded faces, their subsetting and their compression shrink
with it.
"""
from __future__ import annotations

import atexit
import io
import os
import re
import subprocess
import tempfile
import threading
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

# The families the print layout names, their weights, and the suffix of the prepared subset family.
FAMILIES = ("Noto Serif CJK SC", "Noto Sans CJK SC")
WEIGHTS = {"Regular": "normal", "Bold": "bold"}
SUFFIX = "GB2312"
SUBSET_VERSION = "3"  # part of the file names: a change of the characters or their order makes new files
GLYPH_ORDER = Path(__file__).with_name("glyph_order.txt")  # scripts/glyph_order.py

# Beyond GB2312 and ASCII: Latin-1, general punctuation, letterlike symbols, arrows, maths,
# enclosed numbers, box drawing, shapes, CJK punctuation and full-width forms.
EXTRA_RANGES = ((0x20, 0x7E), (0xA0, 0x17F), (0x2000, 0x206F), (0x2100, 0x215F), (0x2190, 0x21FF),
                (0x2200, 0x22FF), (0x2460, 0x24FF), (0x2500, 0x257F), (0x25A0, 0x25FF), (0x3000, 0x303F),
                (0xFF00, 0xFFEF))


class FetchRefused(ValueError):
    """The PDF renderer was asked for something that is not one of the app's own static files."""


def resolve_static(url: str, *, static_url: str, roots: list[str]) -> Path:
    """Return the file an app-static URL names; raise FetchRefused for anything else.

    Only ``static_url…`` and ``file://`` URLs inside ``roots`` are allowed, so user text in a form
    can never make the renderer read another file or reach the network.
    """
    candidates = []
    if url.startswith(static_url):
        relative = url[len(static_url):].split("?")[0].split("#")[0]
        candidates = [Path(root) / relative for root in roots]
    elif url.startswith("file://"):
        candidates = [Path(url[len("file://"):].split("?")[0])]
    for candidate in candidates:
        path = candidate.resolve()
        if any(path.is_relative_to(Path(root).resolve()) for root in roots) and path.is_file():
            return path
    raise FetchRefused(f"refused to fetch {url!r}")


# -- prepared faces ----------------------------------------------------------------------------
def subset_characters() -> set[int]:
    """Code points kept in a prepared face: GB2312 (6,763 hanzi and its symbols) and EXTRA_RANGES."""
    points = {c for low, high in EXTRA_RANGES for c in range(low, high + 1)}
    for high in range(0xA1, 0xF8):
        for low in range(0xA1, 0xFF):
            try:
                points.add(ord(bytes((high, low)).decode("gb2312")))
            except UnicodeDecodeError:
                pass
    return points


def face_file(font_dir, family: str, style: str) -> Path:
    return Path(font_dir) / f"{family.replace(' ', '')}-{style}-{SUFFIX}-v{SUBSET_VERSION}.otf"


def system_face(family: str, style: str) -> tuple[str, int] | None:
    """The file and collection index fontconfig gives for a family and style, if it has that family."""
    try:
        out = subprocess.run(["fc-match", "-f", "%{family}\n%{file}\n%{index}", f"{family}:style={style}"],
                             capture_output=True, text=True, check=True).stdout.split("\n")
    except (OSError, subprocess.CalledProcessError):
        return None
    if len(out) < 3 or family not in out[0].split(","):
        return None
    return out[1], int(out[2] or 0)


def prepare_face(font_dir, family: str, style: str) -> Path | None:
    """Write the subset of one face into ``font_dir`` unless it is there; return its path."""
    target = face_file(font_dir, family, style)
    if target.exists():
        return target
    source = system_face(family, style)
    if source is None:
        return None
    # fontTools' subsetter is needed once per machine (manage.py prepare_fonts), never by a render.
    from fontTools import subset
    from fontTools.ttLib import TTFont

    font = TTFont(source[0], fontNumber=source[1])
    options = subset.Options()
    options.layout_features = ["*"]  # shaping (e.g. full-width punctuation) as with the full face
    options.name_IDs, options.name_languages = ["*"], ["*"]
    options.notdef_outline = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=sorted(subset_characters()))
    subsetter.subset(font)
    buffer = io.BytesIO()
    font.save(buffer)
    buffer.seek(0)
    font = TTFont(buffer)  # as read from a file, which is what _renumber expects of the CFF table
    _renumber(font, glyph_order(font))
    target.parent.mkdir(parents=True, exist_ok=True)
    # Written under a temporary name and renamed: a renderer never reads half a font.
    with tempfile.NamedTemporaryFile(dir=target.parent, suffix=".tmp", delete=False) as handle:
        font.save(handle)
    os.chmod(handle.name, 0o644)
    os.replace(handle.name, target)
    return target


def glyph_order(font) -> list[str]:
    """The face's glyphs, those of the most used characters first (``glyph_order.txt``, then GB2312
    order), each followed by the glyphs shaping may put in its place (``_substitutes``); glyphs no
    character reaches (variants for other features: vertical, traditional forms …) last."""
    ranked = [c for line in GLYPH_ORDER.read_text(encoding="utf-8").splitlines() if not line.startswith("#")
              for c in line]
    cmap, substitutes = font.getBestCmap(), _substitutes(font)
    current = font.getGlyphOrder()
    order, seen = [current[0]], {current[0]}  # .notdef stays glyph 0
    for code in [0x20, *map(ord, ranked), *sorted(subset_characters(), key=_gb2312_key), *sorted(cmap)]:
        pending = [cmap[code]] if code in cmap else []
        while pending:
            name = pending.pop(0)
            if name not in seen:
                order.append(name)
                seen.add(name)
                pending += substitutes.get(name, [])
    return order + [name for name in current if name not in seen]


# What HarfBuzz applies to horizontal Han text by default, and tabular figures (the print layout's
# numbers): a glyph these substitute for a character (an em dash's Chinese form) is printed as often.
SHAPING_FEATURES = frozenset(("ccmp", "locl", "rlig", "liga", "clig", "calt", "tnum"))


def _substitutes(font) -> dict[str, list[str]]:
    """For each glyph, the glyphs SHAPING_FEATURES' substitution lookups may replace it with, in
    simplified Chinese (the page's language) and the scripts' default systems."""
    if "GSUB" not in font:
        return {}
    table = font["GSUB"].table
    features = set()
    for script in table.ScriptList.ScriptRecord:
        systems = [script.Script.DefaultLangSys] + [r.LangSys for r in script.Script.LangSysRecord
                                                    if r.LangSysTag == "ZHS "]
        features.update(index for system in systems if system is not None for index in system.FeatureIndex)
    records = table.FeatureList.FeatureRecord
    lookups = {index for feature in features if records[feature].FeatureTag in SHAPING_FEATURES
               for index in records[feature].Feature.LookupListIndex}
    found: dict[str, list[str]] = {}
    for index in sorted(lookups):
        for subtable in table.LookupList.Lookup[index].SubTable:
            subtable = getattr(subtable, "ExtSubTable", subtable)
            for glyph, output in getattr(subtable, "mapping", {}).items():  # single and multiple
                found.setdefault(glyph, []).extend([output] if isinstance(output, str) else output)
            for glyph, ligatures in getattr(subtable, "ligatures", {}).items():
                found.setdefault(glyph, []).extend(ligature.LigGlyph for ligature in ligatures)
    return found


def _gb2312_key(code):
    try:
        return chr(code).encode("gb2312")
    except UnicodeEncodeError:
        return b"\xff\xff" + code.to_bytes(3, "big")


def _renumber(font, order) -> None:
    """Give the glyphs of a CID-keyed CFF face the ids of ``order``; outlines, widths, the character
    map and the layout tables follow their glyph names, the FD of each glyph its charstring."""
    from fontTools.ttLib.reorderGlyphs import reorderGlyphs  # as the subsetter: once per machine, never a render

    top = font["CFF "].cff.topDictIndex[0]
    old = {name: gid for gid, name in enumerate(font.getGlyphOrder())}
    for name in old:
        top.CharStrings.getItemAndSelector(name)  # loads each charstring with its own FD while ids are old
    fd_of_gid = list(top.FDSelect.gidArray) if hasattr(top, "FDSelect") else None
    reorderGlyphs(font, order)  # moves the charstrings with the charset, not the FD selection
    if fd_of_gid is not None:
        top.FDSelect.gidArray = [fd_of_gid[old[name]] for name in order]
        top.FDSelect.format = None


def prepare_faces(font_dir, *, parallel: bool = True) -> list[Path]:
    """Prepare every face of FAMILIES × WEIGHTS (in parallel processes: ~30 s each); drop older versions."""
    jobs = [(family, style) for family in FAMILIES for style in WEIGHTS]
    current = {face_file(font_dir, family, style) for family, style in jobs}
    for stale in Path(font_dir).glob(f"*-{SUFFIX}-v*.otf") if Path(font_dir).is_dir() else ():
        if stale not in current:
            stale.unlink(missing_ok=True)
    if not parallel:
        return [p for p in (prepare_face(font_dir, f, s) for f, s in jobs) if p]

    with ProcessPoolExecutor(max_workers=min(len(jobs), os.cpu_count() or 1)) as pool:
        paths = list(pool.map(prepare_face, [font_dir] * len(jobs), *zip(*jobs)))
    return [p for p in paths if p]


def font_face_css(font_dir) -> str:
    """@font-face rules for the prepared faces that exist (none when ``font_dir`` is unset)."""
    rules = []
    for family in FAMILIES:
        for style, weight in WEIGHTS.items():
            path = face_file(font_dir, family, style) if font_dir else None
            if path and path.exists():
                rules.append(f'@font-face {{ font-family: "{family} {SUFFIX}"; font-weight: {weight}; '
                             f'src: url("{path.as_uri()}"); }}')
    return "\n".join(rules)


def prefer_prepared(html: str, css: str) -> str:
    """Name the prepared family before each system family the page asks for (with a fallback to it)."""
    for family in FAMILIES:
        if f'"{family} {SUFFIX}"' in css:
            html = html.replace(f'"{family}"', f'"{family} {SUFFIX}", "{family}"')
    return html


# -- rendering -----------------------------------------------------------------------------------
_fonts = {}  # font_dir → (FontConfiguration, font stylesheet, its CSS text), one per process
_lock = threading.Lock()  # WeasyPrint's font configuration is not meant for two threads at once
atexit.register(_fonts.clear)  # before interpreter shutdown, when FontConfiguration.__del__ would fail


def _font_setup(font_dir):
    if font_dir not in _fonts:
        # WeasyPrint takes seconds to import; only a process that renders loads it (see printing._renderers).
        from weasyprint import CSS
        from weasyprint.text.fonts import FontConfiguration

        config = FontConfiguration()
        text = font_face_css(font_dir)
        _fonts[font_dir] = (config, CSS(string=text, font_config=config) if text else None, text)
    return _fonts[font_dir]


def layout_document(html: str, *, static_url: str, roots: list[str], font_dir=None):
    """Lay out ``html`` with this process's font configuration; return WeasyPrint's Document (its pages)."""
    font_dir = str(font_dir) if font_dir else None
    with _lock:
        return _lay_out(html, static_url=static_url, fetcher=_fetcher(static_url, roots, font_dir), font_dir=font_dir)


_STYLE = re.compile(r"<style>(.*?)</style>", re.S)
_page_styles = {}  # (font_dir, static URL, CSS text) → parsed stylesheet: a few per process (orientation, draft)


def _lay_out(html, *, static_url, fetcher, font_dir):
    """Lay out one page source (the caller holds ``_lock``).

    The page's ``<style>`` is the same for every form of an orientation, so it is parsed once per
    process and given to WeasyPrint as a stylesheet instead of being parsed again with each page;
    with no other author styles than the columns' widths the cascade is the same.
    """
    from weasyprint import CSS  # loaded by the first render (seconds), not by every importer

    config, fonts, font_css = _font_setup(font_dir)
    html = prefer_prepared(html, font_css)
    sheets = [fonts] if fonts else []
    found = _STYLE.search(html)
    if found:
        key = (font_dir, static_url, found.group(1))
        if key not in _page_styles:
            if len(_page_styles) >= 16:
                _page_styles.clear()
            _page_styles[key] = CSS(string=found.group(1), base_url=static_url, url_fetcher=fetcher,
                                    font_config=config)
        sheets.append(_page_styles[key])
        html = html[:found.start()] + html[found.end():]
    return _html_class()(string=html, base_url=static_url, url_fetcher=fetcher).render(
        stylesheets=sheets, font_config=config)


_print_html = None


def _html_class():
    """WeasyPrint's HTML for the print layout's pages.

    Its user-agent stylesheet lacks the rules for list markers, footnotes and notes, which the
    print layout never has: each is a pseudo-element style computed for every element of the page
    (a thousand per form). The page itself is parsed by WeasyPrint's own HTML5 parser: a parser of
    our own measured 5 ms faster per form, not worth a second HTML parser to keep.
    """
    global _print_html
    if _print_html is None:
        # WeasyPrint takes seconds to import; only a process that renders loads it (see printing._renderers).
        from weasyprint import CSS, HTML
        from weasyprint.css.counters import CounterStyle
        from weasyprint.html import UA

        kept = "\n".join(line for line in UA.splitlines() if not _UNUSED_UA_RULE.match(line))
        # Its @counter-style rules are the library's own, already in the counter styles every page starts from.
        stylesheet = CSS(string=kept, counter_style=CounterStyle())

        class PrintHTML(HTML):
            def _ua_stylesheets(self, forms=False):
                return super()._ua_stylesheets(forms) if forms else [stylesheet]

        _print_html = PrintHTML
    return _print_html


_UNUSED_UA_RULE = re.compile(r"\s*::(marker|footnote-call|footnote-marker|note-call|note-marker|note-callback)\b")

def _fetcher(static_url, roots, font_dir):
    from weasyprint.urls import URLFetcher  # loaded by the first render (seconds), not by every importer

    class StaticOnlyFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            if font_dir and url.startswith("file://") and Path(url[7:]).parent == Path(font_dir):
                return super().fetch(url, headers)  # a prepared face
            return super().fetch(resolve_static(url, static_url=static_url, roots=roots).as_uri(), headers)

    return StaticOnlyFetcher(allowed_protocols=["file"])


def render(html: str, *, static_url: str, roots: list[str], font_dir=None) -> bytes:
    return render_many([html], static_url=static_url, roots=roots, font_dir=font_dir)[0]


def render_many(htmls: list[str], *, static_url: str, roots: list[str], font_dir=None,
                merged: bool = False, titles: list[str] | None = None):
    """Render each page source; return a PDF per source, or with ``merged`` one PDF of them all.

    A merged render lays out every source and writes one document, so the fonts are embedded
    once for all of them; each source gets a bookmark with its title and its page count is
    returned: ``(pdf, [pages per source])``.
    """
    font_dir = str(font_dir) if font_dir else None
    fetcher = _fetcher(static_url, roots, font_dir)
    with _lock:
        documents = [_lay_out(html, static_url=static_url, fetcher=fetcher, font_dir=font_dir) for html in htmls]
        if not merged:
            return [document.write_pdf() for document in documents]
        return _merged(documents, titles or [""] * len(documents))


def _merged(documents, titles):
    """One PDF of all pages: a top-level bookmark per document, its own headings nested below it."""
    pages, counts = [], []
    for document, title in zip(documents, titles):
        for number, page in enumerate(document.pages):
            own = [(level + 1, label, position, state) for level, label, position, state in page.bookmarks]
            page.bookmarks = ([(1, title, (0, 0), "closed")] if number == 0 else []) + own
        pages += document.pages
        counts.append(len(document.pages))
    return documents[0].copy(pages).write_pdf(), counts


def render_to_file(html: str, path: str, *, static_url: str, roots: list[str], font_dir=None) -> tuple[int, int]:
    """Render into ``path``; return the size and the rendering process's id (for the job's record)."""
    data = render(html, static_url=static_url, roots=roots, font_dir=font_dir)
    Path(path).write_bytes(data)
    return len(data), os.getpid()


def render_chunk_to_file(htmls: list[str], titles: list[str], path: str, *, static_url: str, roots: list[str],
                         font_dir=None) -> tuple[list[int], int]:
    """Render several forms as one PDF with a bookmark each; return the page counts and the process id."""
    data, counts = render_many(htmls, static_url=static_url, roots=roots, font_dir=font_dir, merged=True,
                               titles=titles)
    Path(path).write_bytes(data)
    return counts, os.getpid()


def render_each_to_file(htmls: list[str], paths: list[str], *, static_url: str, roots: list[str],
                        font_dir=None) -> tuple[int, int]:
    """Render several forms, each into its own file; return their count and the process id."""
    for data, path in zip(render_many(htmls, static_url=static_url, roots=roots, font_dir=font_dir), paths):
        Path(path).write_bytes(data)
    return len(paths), os.getpid()


def warm_up(*, static_url: str, roots: list[str], font_dir=None) -> int:
    """Import WeasyPrint and load the faces now, so the first real download does not wait for it."""
    render('<p style="font-family: \'Noto Serif CJK SC\'">预热 <b style="font-family: \'Noto Sans CJK SC\'">预热</b></p>',
           static_url=static_url, roots=roots, font_dir=font_dir)
    return os.getpid()
