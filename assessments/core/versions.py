"""Shared versions that say when something kept in a cache or a session may have changed.

A version lives in the cache (shared by every worker process; the database cache in production);
each process reads it at most every ``SECONDS`` and bumps its own copy at once when it changes it.
So a page asks nothing of the database to learn that nothing changed, and a change made in another
worker process is seen within ``SECONDS``.
"""
import time

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

from assessments.models import Assessment, Department, Membership, ReviewLevel

SECONDS = 5.0


class Version:
    def __init__(self, key):
        self.key = key
        # (version, when this process read it): one tuple, replaced whole, so threads see a consistent pair.
        self._known = (None, 0.0)

    def current(self):
        """Return the shared version, read from the cache at most every SECONDS in this process."""
        version, read_at = self._known
        now = time.monotonic()
        if version is not None and now - read_at < SECONDS:
            return version
        version = cache.get(self.key)
        if version is None:
            version = self._bump()
        self._known = (version, now)
        return version

    def forget(self):
        """Read the version from the cache at the next call (after the cache was emptied, as tests do)."""
        self._known = (None, 0.0)

    def bump(self, **_signal):
        """Change the version now, and again once the current transaction is committed.

        A page computing between now and the commit would still see the old rows and keep them
        under the new version: the second bump, when the change is visible to everyone, undoes that.
        """
        version = self._bump()
        transaction.on_commit(self._bump)
        return version

    def _bump(self):
        version = time.time_ns()
        cache.set(self.key, version, None)
        self._known = (version, time.monotonic())
        return version


# Changes of state and of scope: submissions, returns, approvals, reopenings, forms deleted,
# memberships, departments, review levels (the 通知 count; the review desk follows writes by their
# updated_at and RECOUNT below).
ATTENTION = Version("attention:version")


# What the review desk's kept figures cannot follow from the forms written since (review/views.py
# _desk_entry): forms deleted or moved to another department, schemes re-scored without a write of
# their forms, and every change of scope (memberships, departments, review levels).
RECOUNT = Version("recount:version")


def recount(**_signal):
    """Make every desk count its scope again at its next visit."""
    return RECOUNT.bump()


def connect_signals():
    post_delete.connect(recount, sender=Assessment, dispatch_uid="recount-assessment")
    for model in (Membership, Department, ReviewLevel):
        post_save.connect(recount, sender=model, dispatch_uid=f"recount-save-{model.__name__}")
        post_delete.connect(recount, sender=model, dispatch_uid=f"recount-delete-{model.__name__}")
    m2m_changed.connect(recount, sender=ReviewLevel.reviewers.through, dispatch_uid="recount-levels")
