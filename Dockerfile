# BPTT Explorer: the web app, no dev tools. Build: docker build -t bptt-explorer .
# Stage 1 builds the wheel (it carries templates/ and static/ as package data); stage 2
# installs it, non-editable, so the app serves its page from site-packages.
FROM python:3.11-slim AS wheel

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /src
COPY pyproject.toml README.md ./
COPY app app
COPY bptt_explorer bptt_explorer
COPY templates templates
COPY static static
RUN pip wheel --no-cache-dir --no-deps --wheel-dir /dist .

FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /srv/bptt-explorer

# The dependencies first (a cached layer while only the code changes), then the wheel.
COPY pyproject.toml /tmp/pyproject.toml
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('/tmp/pyproject.toml', 'rb'))['project']['dependencies']))" > /tmp/requirements.txt \
    && pip install --no-cache-dir -r /tmp/requirements.txt \
    && rm /tmp/pyproject.toml /tmp/requirements.txt
COPY --from=wheel /dist /tmp/dist
RUN pip install --no-cache-dir --no-deps /tmp/dist/*.whl \
    && rm -rf /tmp/dist \
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
