# Production image: slim, non-root, migrations then the server; PostgreSQL via VAGVAL_DATABASE_URL.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONPATH=/srv/vagval \
    VAGVAL_DATABASE_URL=sqlite:////var/lib/vagval/vagval.db

WORKDIR /srv/vagval

COPY requirements-prod.lock ./
RUN pip install --requirement requirements-prod.lock \
    && useradd --system --uid 10001 --home-dir /nonexistent --shell /usr/sbin/nologin vagval \
    && mkdir -p /var/lib/vagval && chown vagval /var/lib/vagval

COPY alembic.ini ./
COPY alembic ./alembic
COPY app ./app
COPY examples ./examples

USER vagval
EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=3s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import urllib.request, sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2).status == 200 else 1)"]

# `serve` applies the migrations first, then starts uvicorn.
ENTRYPOINT ["python", "-m", "app.cli"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8000"]
