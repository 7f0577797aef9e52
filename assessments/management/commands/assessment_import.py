"""python manage.py assessment_import FILE.json [FILE.json ...] (INTERCHANGE.md)."""
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, transaction

from assessments.core.errors import AssessmentLocked
from assessments.domain import interchange
from assessments.core import selectors
from assessments.exchange import services as exchange_services


class Command(BaseCommand):
    help = "导入一个或多个 JSON 格式的绩效自评表（assessment/1）。"

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", metavar="FILE.json")

    def handle(self, *files, **options):
        schemes = selectors.scheme_map()
        refused = 0
        for name in options["files"]:
            problems = self.import_one(name, schemes)
            if problems:
                refused += 1
                for path, message in problems:
                    self.stderr.write(f"{name}: {path or '(文档)'}: {message}")
        if refused:
            raise CommandError(f"{refused} 个文件被拒绝，未写入任何内容", returncode=1)

    def import_one(self, name, schemes):
        """Import one file; return its problems as (path, message) pairs, empty when imported."""
        try:
            with open(name, "rb") as handle:
                raw = handle.read()
        except OSError as exc:
            return [("", f"无法读取文件：{exc.strerror}")]
        try:
            data = interchange.loads(raw.decode("utf-8"))
        except UnicodeDecodeError as exc:
            return [("", f"不是 UTF-8 编码的文本（第 {exc.start + 1} 个字节起无法读取）")]
        except interchange.JSONRefused as exc:
            return [("", str(exc))]
        if isinstance(data, list) and not data:
            return [("", "文件中没有任何表（空数组）")]
        try:
            return self.import_data(data, schemes)
        except RecursionError:
            return [("", "文档嵌套层数过多，不是本系统的交换格式")]
        except DatabaseError as exc:
            # Whatever the checks above missed, the database refused it as a whole: say so per file.
            return [("", f"数据库拒绝写入，未导入任何内容：{str(exc).splitlines()[0][:200]}")]

    def import_data(self, data, schemes):
        # A file may hold one document or, as `assessment_export --all` writes, an array of them;
        # an array is restored as a whole or not at all.
        many = isinstance(data, list)
        documents, problems = [], []
        for i, item in enumerate(data if many else [data]):
            document, errors = interchange.parse_document(item, schemes=schemes)
            problems += [(f"[{i}].{e.path}" if many else e.path, e.message) for e in errors]
            documents.append(document)
        if problems:
            return problems
        try:
            with transaction.atomic():
                imported = [exchange_services.assessment_import(document=document) for document in documents]
        except AssessmentLocked as exc:
            return [("", str(exc))]
        for assessment in imported:
            self.stdout.write(f"{assessment.pk} {assessment.kind} {assessment.title}")
        return []
