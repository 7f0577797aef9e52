"""Prepare the subset CJK faces the PDF renderer prefers (once per installation; `make setup` runs it)."""
import time

from django.conf import settings
from django.core.management.base import BaseCommand

from assessments.output import pdfworker


class Command(BaseCommand):
    help = "为 PDF 预先裁剪中文字体（GB2312 + ASCII + 常用符号），每次安装只需一次。"

    def handle(self, *args, **options):
        font_dir = settings.PDF_FONT_DIR
        if not font_dir:
            self.stdout.write("PDF_FONT_DIR 为空：PDF 直接使用系统字体")
            return
        started = time.monotonic()
        missing = [(f, s) for f in pdfworker.FAMILIES for s in pdfworker.WEIGHTS
                   if not pdfworker.face_file(font_dir, f, s).exists()]
        if missing:
            self.stdout.write(f"裁剪 PDF 字体到 {font_dir}（约 1 分钟，只需一次）…")
        paths = pdfworker.prepare_faces(font_dir)
        self.stdout.write(f"PDF 字体：{len(paths)} 个已就绪（{time.monotonic() - started:.0f} 秒）")
