# 预算绩效自评 — the two commands a new user needs are `make run` and `make test`.
PORT ?= 8000
PYTEST_ARGS ?=
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.DEFAULT_GOAL := help
.PHONY: help run test test-quick test-sqlite test-postgres bench system-deps venv setup clean

help:
	@echo "make run            安装所缺、建库、载入演示数据并在 127.0.0.1:$(PORT) 提供服务"
	@echo "make test           在 SQLite 和临时 PostgreSQL 上运行全部测试"
	@echo "make test-quick     只在 SQLite 上运行不带 slow 标记的测试（快速循环）"
	@echo "make test-sqlite    只在 SQLite 上测试"
	@echo "make test-postgres  只在临时 PostgreSQL 上测试"
	@echo "make bench          运行 bench/ 中的基准（不是测试）"
	@echo "make clean          删除 .venv 和 var/"

system-deps:
	@bash scripts/system_deps.sh

# Reinstall only when pyproject.toml changed, so a second `make run` starts at once.
$(STAMP): pyproject.toml
	@test -x $(PY) || python3 -m venv $(VENV)
	@echo "安装 Python 依赖 / installing Python dependencies …"
	@$(PY) -m pip install -q --upgrade pip
	@$(PY) -m pip install -q -e '.[dev]'
	@touch $(STAMP)

venv: $(STAMP)

setup: system-deps venv
	@mkdir -p var
	@$(PY) manage.py prepare_fonts

run: setup
	@$(PY) manage.py migrate --noinput -v 0
	@$(PY) manage.py load_demo
	@echo ""
	@echo "预算绩效自评已启动：http://127.0.0.1:$(PORT)/   （后台：http://127.0.0.1:$(PORT)/admin/，Ctrl-C 停止）"
	@echo "批量导出的后台任务进程（db_worker）已随之启动。"
	@bash scripts/serve.sh $(PORT)

test: setup
	@PYTEST_ARGS="$(PYTEST_ARGS)" bash scripts/test_all.sh

test-quick: setup
	@TEST_DATABASES=sqlite PYTEST_MARK="not slow" PYTEST_ARGS="$(PYTEST_ARGS)" bash scripts/test_all.sh

test-sqlite: setup
	@TEST_DATABASES=sqlite PYTEST_ARGS="$(PYTEST_ARGS)" bash scripts/test_all.sh

test-postgres: setup
	@TEST_DATABASES=postgres PYTEST_ARGS="$(PYTEST_ARGS)" bash scripts/test_all.sh

bench: setup
	@bash scripts/system_deps.sh bench
	@for f in bench/*.py; do [ -e "$$f" ] || continue; echo "=== $$f"; $(PY) "$$f" || exit 1; done

clean:
	rm -rf $(VENV) var
