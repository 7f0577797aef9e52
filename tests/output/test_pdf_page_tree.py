"""The PDF renderer parses the print page itself (pdfworker.parse_page): the tree must be the HTML5 parser's."""
import pytest
import tinyhtml5

from assessments.domain import interchange, rules, schemes
from assessments.models import Assessment
from assessments.output import layouts, pdfworker, printing
from tests.output.stress import stress_document

pytestmark = pytest.mark.django_db


def shape(element):
    """Everything of a tree a renderer reads: tags, attributes, text and tails, in order."""
    return [(e.tag, sorted(e.attrib.items()), e.text, e.tail) for e in element.iter()]


def same_tree_as_html5(html):
    return shape(pdfworker.parse_page(html)) == shape(tinyhtml5.parse(html, namespace_html_elements=False))


def test_every_demo_form_parses_to_the_html5_tree(demo):
    forms = list(Assessment.objects.order_by("pk"))
    assert len(forms) >= 5
    for assessment in forms:
        assert same_tree_as_html5(printing.render_html(assessment=assessment)), assessment


def test_typed_text_with_markup_quotes_and_line_breaks_parses_to_the_html5_tree():
    document, evaluation, scheme = stress_document(3)
    tricky = '<b>粗体</b> & "引号" \'单引号\' &amp; a<b 1 < 2 > 0\r\n第二行\r第三行\n\n  缩进 &#x27; \u3000全角空格'
    data = interchange.document_to_json(document)
    data["project"]["name"] = tricky[:60]
    data["analysis"]["deviation_reasons"] = tricky
    data["indicators"][0]["name"] = tricky[:60]
    data["indicators"][0]["reason"] = tricky
    shipped = schemes.shipped()
    document, errors = interchange.parse_document(data, schemes=shipped)
    assert not errors, errors
    html = printing.render_html(layout=layouts.build_layout(document, rules.evaluate(document.form(), scheme), scheme))
    assert "&lt;b&gt;粗体" in html and "第二行" in html
    assert same_tree_as_html5(html)
