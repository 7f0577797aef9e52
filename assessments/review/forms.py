"""The reviewer's action forms: approve or return with a comment (and comments per row), reopen with a reason.

Only the text is read here (without hidden characters, domain/typed.py); whether a comment or a
reason is required is the services' decision, so the message is theirs whichever road the action
comes by.
"""
from django import forms
from django.utils.translation import gettext_lazy as _

from assessments.core.forms import FieldMessages
from assessments.domain import typed

ROW_COMMENT = "comment:"  # comment:step:budget, comment:indicators[3] … (templates/assessments/detail.html)


class CleanTextField(forms.CharField):
    def __init__(self, **kwargs):
        super().__init__(required=False, strip=False, **kwargs)

    def to_python(self, value):
        return typed.clean_text(super().to_python(value))


class ReviewForm(FieldMessages, forms.Form):
    """审核通过 / 退回修改: one comment on the whole form, and the comments typed beside rows."""

    comment = CleanTextField(label=_("意见（退回时必填）"),
                             widget=forms.Textarea(attrs={"rows": 2, "style": "width: 100%"}))

    def row_comments(self) -> list[tuple[str, str]]:
        """Return (path, text) of each comment typed beside a row or a part of the form."""
        return [(typed.clean_text(key[len(ROW_COMMENT):]), typed.clean_text(value))
                for key, value in self.data.items() if key.startswith(ROW_COMMENT)]


class ReopenForm(FieldMessages, forms.Form):
    """重新打开 an approved form for a new revision, saying why."""

    reason = CleanTextField(label=_("重新打开的理由"), widget=forms.TextInput(attrs={"required": True}))
