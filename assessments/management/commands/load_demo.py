"""python manage.py load_demo — the five published reports as real records, and demo users.

Idempotent: what exists already (a user, a department, an assessment of the same subject, base
data) is left as it is, so running it twice changes nothing and never undoes a user's edits.
"""
import json
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from assessments.domain import interchange
from assessments.core import selectors
from assessments.entry import services as entry_services
from assessments.exchange import services as exchange_services
from assessments.core import records
from assessments.review import services as review_services
from assessments.models import (
    Assessment,
    Department,
    DepartmentBaseData,
    Membership,
    Region,
    ScoringScheme,
)

DEMO_DIR = Path(__file__).resolve().parents[2] / "demo"


class Command(BaseCommand):
    help = "载入演示数据（苏州、石家庄、江门、新洲、无锡五份公开报告）和演示账号；可重复运行。"

    @transaction.atomic
    def handle(self, *args, **options):
        organisation = json.loads((DEMO_DIR / "organisation.json").read_text(encoding="utf-8"))
        schemes = {s.key: s for s in ScoringScheme.objects.all()}
        created = {"regions": 0, "departments": 0, "users": 0, "assessments": 0, "base_data": 0}

        for item in organisation["regions"]:
            _region, made = Region.objects.get_or_create(name=item["name"], defaults={
                "project_scheme": schemes[item["project_scheme"]],
                "department_scheme": schemes[item["department_scheme"]],
                "targets_scheme": schemes[item["targets_scheme"]],
            })
            created["regions"] += made
        for item in organisation["departments"]:
            _department, made = Department.objects.get_or_create(name=item["name"], defaults={
                "region": Region.objects.get(name=item["region"]),
                "parent": Department.objects.get(name=item["parent"]) if item.get("parent") else None,
                "code": item.get("code", ""),
            })
            created["departments"] += made
        created["users"] = self.load_users(organisation["users"])

        scheme_map = selectors.scheme_map()
        for path in sorted((DEMO_DIR / "documents").glob("*.json")):
            document, errors = interchange.parse_document(
                interchange.loads(path.read_text(encoding="utf-8")), schemes=scheme_map)
            if errors:
                raise CommandError(f"{path.name}: " + "; ".join(f"{e.path}: {e.message}" for e in errors))
            subject = {"project__name": document.project.name} if document.project else {"project__isnull": True}
            exists = Assessment.objects.filter(
                kind=document.kind, fiscal_year__year=document.fiscal_year, department__name=document.department,
                **subject,
            ).exists()
            if not exists:
                assessment = exchange_services.assessment_import(document=document)
                created["assessments"] += 1
                self.approve_if_published(assessment, organisation.get("approved", []))

        for item in json.loads((DEMO_DIR / "base_data.json").read_text(encoding="utf-8")):
            department = Department.objects.get(name=item["department"])
            fiscal_year = records.fiscal_year_get_or_create(year=item["fiscal_year"])
            if not DepartmentBaseData.objects.filter(department=department, fiscal_year=fiscal_year).exists():
                entry_services.base_data_upsert(department=department, fiscal_year=fiscal_year, values=item["values"])
                created["base_data"] += 1

        self.stdout.write(
            "演示数据：新建地区 {regions}、部门 {departments}、账号 {users}、自评表 {assessments}、基础数据 {base_data}"
            .format(**created)
        )
        self.stdout.write("演示账号（仅供本机演示）：")
        for item in organisation["users"]:
            scope = "、".join(item["departments"]) or "全部"
            role = {"filler": "填报人", "reviewer": "审核人", "admin": "管理员"}[item["role"]]
            self.stdout.write(f"  {item['username']:<18} 密码 {item['password']:<22} {role}  {scope}")

    def approve_if_published(self, assessment, approved):
        """Submit and approve a published year's forms through the real workflow (events and all)."""
        for item in approved:
            if (assessment.department.name, assessment.fiscal_year.year) == (item["department"], item["fiscal_year"]):
                User = get_user_model()
                filler = User.objects.filter(memberships__department=assessment.department,
                                             memberships__role=Membership.Role.FILLER).first()
                entry_services.assessment_submit(assessment=assessment, user=filler)
                review_services.assessment_approve(assessment=assessment, user=User.objects.get(username=item["reviewer"]),
                                                   comment=item["note"])

    def load_users(self, users):
        User = get_user_model()
        made_count = 0
        for item in users:
            user, made = User.objects.get_or_create(username=item["username"], defaults={
                "first_name": item["name"],
                "is_staff": item["role"] == "admin",
                "is_superuser": item["role"] == "admin",
            })
            if made:
                user.set_password(item["password"])
                user.save(update_fields=["password"])
                made_count += 1
                role = Membership.Role.FILLER if item["role"] == "filler" else Membership.Role.REVIEWER
                for name in item["departments"]:
                    Membership.objects.get_or_create(user=user, department=Department.objects.get(name=name), role=role)
        return made_count
