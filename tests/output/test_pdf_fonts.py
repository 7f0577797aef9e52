"""The PDF renderer's fonts: prepared GB2312 subsets, the full system face for anything else."""
import io
import subprocess

import pytest
from django.conf import settings
from fontTools.pens.recordingPen import RecordingPen
from fontTools.ttLib import TTFont
from pypdf import PdfReader

from assessments.output import pdfworker, printing
from assessments.models import Assessment

pytestmark = pytest.mark.django_db
RARE = "王堃 李昇 㵘"  # none of these is in GB2312


@pytest.fixture(scope="module")
def font_dir():
    if not settings.PDF_FONT_DIR:
        pytest.skip("PDF_FONT_DIR is empty")
    pdfworker.prepare_faces(settings.PDF_FONT_DIR)  # done once by `make setup`; instant when present
    return settings.PDF_FONT_DIR


def page_image(pdf, tmp_path, name, dpi=100):
    from PIL import Image

    (tmp_path / f"{name}.pdf").write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", str(dpi), "-png", "-f", "1", "-l", "1", "-singlefile", str(tmp_path / f"{name}.pdf"),
                    str(tmp_path / name)], check=True)
    return Image.open(tmp_path / f"{name}.png").convert("L")


def same_image(a, b):
    from PIL import ImageChops

    return a.size == b.size and ImageChops.difference(a, b).getbbox() is None


def embedded_fonts(pdf, tmp_path):
    (tmp_path / "fonts.pdf").write_bytes(pdf)
    lines = subprocess.run(["pdffonts", str(tmp_path / "fonts.pdf")], capture_output=True, text=True,
                           check=True).stdout.splitlines()[2:]
    assert all(line.split()[-5] == "yes" for line in lines)  # every face embedded
    return [line.split()[0].split("+", 1)[1] for line in lines]


def test_the_pdf_embeds_the_prepared_faces_and_looks_as_with_the_full_system_faces(demo, font_dir, tmp_path):
    assessment = Assessment.objects.get(project__name="困难职工帮扶")
    html = printing.render_html(assessment=assessment)
    options = {"static_url": settings.STATIC_URL, "roots": printing.static_roots()}
    prepared = pdfworker.render(html, **options, font_dir=font_dir)
    system = pdfworker.render(html, **options, font_dir=None)
    faces = embedded_fonts(prepared, tmp_path)
    assert "Noto-Serif-CJK-SC-GB2312" in faces and "Noto-Serif-CJK-SC" not in faces
    assert same_image(page_image(prepared, tmp_path, "prepared"), page_image(system, tmp_path, "system"))
    assert len(prepared) < len(system) * 0.6  # the point of preparing them: a far smaller file


@pytest.mark.slow
def test_a_name_outside_gb2312_is_printed_from_the_full_system_face(demo, font_dir, tmp_path):
    assessment = Assessment.objects.get(project__name="困难职工帮扶")
    html = printing.render_html(assessment=assessment).replace("困难职工帮扶", f"困难职工帮扶{RARE}")
    options = {"static_url": settings.STATIC_URL, "roots": printing.static_roots()}
    prepared = pdfworker.render(html, **options, font_dir=font_dir)
    faces = embedded_fonts(prepared, tmp_path)
    assert "Noto-Serif-CJK-SC-GB2312" in faces and "Noto-Serif-CJK-SC" in faces  # the fallback face too
    text = subprocess.run(["pdftotext", "-", "-"], input=prepared, capture_output=True, check=True).stdout.decode()
    assert RARE.replace(" ", "") in text.replace(" ", "")
    # Drawn with real glyphs: the page is the one the full system faces give, not empty boxes.
    system = pdfworker.render(html, **options, font_dir=None)
    assert same_image(page_image(prepared, tmp_path, "rare"), page_image(system, tmp_path, "rare-system"))
    boxes = pdfworker.render(html.replace(RARE, "\ue000\ue001 \ue002\ue003 \ue004"), **options, font_dir=font_dir)
    assert not same_image(page_image(prepared, tmp_path, "rare"), page_image(boxes, tmp_path, "boxes"))


def test_a_form_embeds_only_the_first_glyphs_of_the_prepared_faces(demo, font_dir):
    """WeasyPrint keeps glyph ids, so an embedded face holds every glyph up to the highest one used;
    the prepared faces number the common characters first, so a form's embedded faces stay small."""
    assessment = Assessment.objects.get(project__name="困难职工帮扶")
    options = {"static_url": settings.STATIC_URL, "roots": printing.static_roots()}
    pdf = PdfReader(io.BytesIO(pdfworker.render(printing.render_html(assessment=assessment), **options,
                                                font_dir=font_dir)))
    glyphs = {}
    for font in pdf.pages[0]["/Resources"]["/Font"].values():
        font = font.get_object()
        descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
        if "CJK" not in str(font["/BaseFont"]):
            continue  # ☐ and ☑, which no Noto CJK face has, come from a symbol face
        face = TTFont(io.BytesIO(descriptor["/FontFile3"].get_object().get_data()))
        glyphs[str(font["/BaseFont"]).split("+", 1)[1]] = len(face.getGlyphOrder())
    assert "Noto-Serif-CJK-SC-GB2312" in glyphs
    assert all(count < 2000 for count in glyphs.values()), glyphs  # ~13,800 when numbered as in Noto
    system = TTFont(pdfworker.system_face("Noto Serif CJK SC", "Regular")[0],
                    fontNumber=pdfworker.system_face("Noto Serif CJK SC", "Regular")[1])
    prepared = TTFont(pdfworker.face_file(font_dir, "Noto Serif CJK SC", "Regular"))
    for character in "的一是在不了有和人这中大为上个国我以要他":  # the system face's outlines, renumbered
        ours, theirs = prepared.getBestCmap()[ord(character)], system.getBestCmap()[ord(character)]
        assert prepared.getGlyphID(ours) < 1000  # about 10,000 in the system face
        assert outline(prepared, ours) == outline(system, theirs)


def outline(face, glyph):
    pen = RecordingPen()
    face.getGlyphSet()[glyph].draw(pen)
    return pen.value
