"""python manage.py assessment_export ID [ID ...] | --all --format json|pdf|xlsx|docx [-o OUT]."""
import json

from django.core.management.base import BaseCommand, CommandError

from assessments.core import selectors
from assessments.models import Assessment
from assessments.output import printing


class Command(BaseCommand):
    help = "导出绩效自评表：JSON（含计算结果 computed）、PDF、Excel 或 Word。"

    def add_arguments(self, parser):
        parser.add_argument("ids", nargs="*", type=int, metavar="ID")
        parser.add_argument("--all", action="store_true", help="导出全部自评表（JSON 数组）")
        parser.add_argument("--year", type=int, help="与 --all 同用：只导出该年度（整年备份）")
        parser.add_argument("--format", choices=["json", "pdf", "xlsx", "docx"], default="json")
        parser.add_argument("-o", "--output", metavar="OUT", help="输出文件；JSON 缺省时写到标准输出")

    def handle(self, *args, **options):
        ids, fmt, output = options["ids"], options["format"], options["output"]
        if options["all"] and ids:
            raise CommandError("--all 与 ID 不能同时使用")
        if not options["all"] and not ids:
            raise CommandError("请给出至少一个 ID，或使用 --all")
        queryset = selectors.assessment_queryset()
        if options["year"] and not options["all"]:
            raise CommandError("--year 须与 --all 同用")
        if options["all"]:
            if options["year"]:
                queryset = queryset.filter(fiscal_year__year=options["year"])
            assessments = list(queryset.order_by("department__name", "kind", "project__name"))
        else:
            found = {a.pk: a for a in queryset.filter(pk__in=ids)}
            missing = [str(i) for i in ids if i not in found]
            if missing:
                raise CommandError(f"自评表不存在：{', '.join(missing)}")
            assessments = [found[i] for i in ids]
        if fmt == "json":
            return self.write_json(assessments, several=options["all"] or len(ids) > 1, output=output)
        if len(assessments) != 1 or not output:
            raise CommandError(f"{fmt} 格式一次导出一张表，并须用 -o 指定输出文件")
        self.write_binary(assessments[0], fmt, output)

    def write_json(self, assessments, *, several, output):
        documents = [selectors.assessment_export_json(assessment=a) for a in assessments]
        text = json.dumps(documents if several else documents[0], ensure_ascii=False, indent=2) + "\n"
        if output:
            with open(output, "w", encoding="utf-8") as handle:
                handle.write(text)
        else:
            self.stdout.write(text, ending="")

    def write_binary(self, assessment: Assessment, fmt, output):
        content = printing.render(assessment=assessment, fmt=fmt)
        with open(output, "wb") as handle:
            handle.write(content)
        self.stdout.write(f"{output}")
