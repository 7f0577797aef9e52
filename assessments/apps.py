from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssessmentsConfig(AppConfig):
    name = "assessments"
    verbose_name = _("预算绩效自评")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Imported once the app registry is ready: both modules use the models, which cannot load earlier.
        from assessments.entry import drafts  # noqa: F401 (connects the sign-in receiver that saves kept posts)
        from assessments.core import versions
        from assessments.web.context_processors import connect_signals

        connect_signals()  # the 通知 count is cached; these say when it may have changed
        versions.connect_signals()  # and so are the review desk's figures
