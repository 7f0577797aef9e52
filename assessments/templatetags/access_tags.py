"""Ask the access module from a template: which buttons and links a user sees.

    {% load access_tags %}
    {% may user assessment "edit" as can_edit %}{% if can_edit %}…{% endif %}
"""
from django import template

from assessments.core import access

register = template.Library()


@register.simple_tag
def may(user, assessment, ability):
    """Return whether ``user`` may do ``ability`` (see ``access.ABILITIES``) to ``assessment``."""
    return access.ABILITIES[ability](access.for_form(user, assessment))
