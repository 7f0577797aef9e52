"""The application's one error base class: every refusal a user should read derives from it.

Views turn an ``AppError`` into a page message (or a JSON error) in one place instead of catching
tuples of unrelated exceptions; its text is always Chinese and names things as the form prints them.
"""


class AppError(Exception):
    """A refusal with a message meant for the user."""

    def __init__(self, message: str = ""):
        super().__init__(message)
        self.message = message

    def __str__(self):
        return self.message


class AccessDenied(AppError):
    """The user may not do this to this record (the access module said no)."""


class IllegalTransition(AppError):
    """A state change that the transition table does not allow from the current state."""


class AssessmentLocked(AppError):
    """The form is submitted or approved and cannot be changed."""


class NotAReviewer(AccessDenied):
    """The user may not act at the form's current review level (or reopen what another level approved)."""
