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


def parsed_by_the_page_tree(html):
    builder = pdfworker._PageTree()
    builder.feed(html)
    builder.close()
    return builder.clean


def test_every_demo_form_parses_to_the_html5_tree(demo):
    forms = list(Assessment.objects.order_by("pk"))
    assert len(forms) >= 5
    for assessment in forms:
        html = printing.render_html(assessment=assessment)
        assert parsed_by_the_page_tree(html), assessment  # the fast road, not the fallback
        assert same_tree_as_html5(html), assessment


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
    assert parsed_by_the_page_tree(html.replace("\r\n", "\n").replace("\r", "\n"))
    assert same_tree_as_html5(html)


PAGE = "<!doctype html>\n<html><head><title>表</title></head>\n<body>{}</body></html>\n"


@pytest.mark.parametrize("body", [
    "<table><tr><td>行</td></tr></table>",  # the row's <tbody> implied
    "<p>段落<div>块</div></p>",  # the paragraph closed by the block
    "<table><tbody><tr><td>格</td></tr>表中的字</tbody></table>",  # text moved before the table
    "<div><span>错</div></span>",  # misnested
    "<!-- 注释 --><p>段落</p>",
    "<ul><li>一<li>二</ul>",  # the first item closed by the second
    "<p>换<br/>行</br>又一行</p>",
    '<p class="a" class="b">两个 class</p>',
    "<div/>文字在 div 里",
])
def test_a_page_written_otherwise_is_parsed_as_html5_does(body):
    html = PAGE.format(body)
    assert not parsed_by_the_page_tree(html)
    assert same_tree_as_html5(html)


def test_a_fragment_without_html_and_body_is_parsed_as_html5_does():
    html = '<p style="font-family: serif">预热 <b>预热</b></p>'
    assert same_tree_as_html5(html) and pdfworker.parse_page(html).tag == "html"
