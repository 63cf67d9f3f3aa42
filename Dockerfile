# BPTT Explorer: the web app, no dev tools. Build: docker build -t bptt-explorer .
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /srv/bptt-explorer

# Dependencies first (cached layer), then the code. The app reads templates/ and static/ from
# beside the app package, so it is installed in place (editable) from this directory.
COPY pyproject.toml README.md ./
COPY app/__init__.py app/__init__.py
RUN pip install --no-cache-dir . && pip uninstall -y bptt-explorer
COPY app app
COPY templates templates
COPY static static
RUN pip install --no-cache-dir --no-deps -e . \
    && groupadd --system --gid 10001 bptt \
    && useradd --system --uid 10001 --gid 10001 --no-create-home --shell /usr/sbin/nologin bptt

USER 10001:10001
EXPOSE 8000
# uvicorn takes its worker count from WEB_CONCURRENCY (docker run -e WEB_CONCURRENCY=4): the
# API is stateless, so N processes serve N times the CPU-heavy requests; BPTT_* set the limits.
# MALLOC_ARENA_MAX: compute threads' large buffers otherwise stay resident per thread
ENV WEB_CONCURRENCY=1 \
    MALLOC_ARENA_MAX=2
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \
    CMD ["python", "-c", "import urllib.request, sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/api/health', timeout=2).status == 200 else 1)"]
CMD ["uvicorn", "app.main:app", "--host", "0.0.0.0", "--port", "8000", "--no-access-log"]
