"""gunicorn settings for production: `gunicorn -c gunicorn.conf.py config.wsgi`.

The app keeps no state in its processes (sessions, cache and drafts live in PostgreSQL), so any
number of these servers can run behind one load balancer against one database.
"""
import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", 2))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 60))  # a long PDF must not be killed mid-render
max_requests = 2000  # recycle workers now and then; WeasyPrint's caches grow with use
max_requests_jitter = 200
accesslog = "-"
# PDF downloads: each worker hands the layout to its own renderer process (PDF_RENDERER_PROCESSES,
# 1 in production; see assessments/output/printing.py) and waits for it without holding the interpreter,
# so the worker's other thread keeps serving pages and WeasyPrint's memory stays out of the worker.
# Chosen over a second gunicorn pool for downloads because it needs no routing in the proxy and
# works the same behind any load balancer; approved forms' PDFs are files after the first render.
control_socket_disable = True  # gunicorn 27 would otherwise create ~/.gunicorn/


def post_worker_init(worker):
    """Start the worker's PDF renderer now, so that the first download finds it warm."""
    # gunicorn reads this file before Django is set up; the app's modules load only in the worker.
    from assessments.output import printing

    printing.warm_renderers()
