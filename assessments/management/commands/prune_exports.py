"""Delete finished batch exports older than a number of days, with their files (run from cron)."""
import datetime

from django.core.management.base import BaseCommand
from django.utils import timezone

from assessments.models import BatchExport


class Command(BaseCommand):
    help = "删除超过指定天数的批量导出及其文件（可由 cron 每天运行）。"

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=30)

    def handle(self, *args, days, **options):
        cutoff = timezone.now() - datetime.timedelta(days=days)
        old = BatchExport.objects.filter(finished_at__lt=cutoff)
        count = 0
        for export in old:
            if export.file:
                export.file.delete(save=False)  # the file first: a row without a file is harmless, not the reverse
            export.delete()
            count += 1
        self.stdout.write(f"已删除 {count} 个超过 {days} 天的批量导出")
