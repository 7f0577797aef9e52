"""Background tasks, run by `python manage.py db_worker` from the database queue (django-tasks)."""
from django_tasks import task

from assessments.output.batch import batch_export_run


@task()
def batch_export_task(export_id: int) -> dict:
    return batch_export_run(export_id=export_id)
