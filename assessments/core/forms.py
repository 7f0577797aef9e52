"""What every form of the app shares: crispy draws its fields only, and a message points at its field.

The forms themselves live with their feature (entry/forms.py, review/forms.py, web/auth.py); they
are drawn by django-crispy-forms with the app's own template pack, templates/plain/ (the markup
static/css/app.css styles; no Bootstrap, nothing from a CDN).
"""
from crispy_forms.helper import FormHelper


class PlainHelper(FormHelper):
    """Draw the fields only: the page's template holds the <form>, its token and its buttons."""

    form_tag = False
    disable_csrf = True


class FieldMessages:
    """A form whose fields with a message point at it (aria-describedby="err-<name>"), for screen readers."""

    def full_clean(self):
        super().full_clean()
        self.describe_errors()

    def describe_errors(self):
        for name in self.errors:
            if name in self.fields:
                self.fields[name].widget.attrs["aria-describedby"] = f"err-{self.add_prefix(name)}"

    @property
    def helper(self):
        return PlainHelper()
