# ticketbot: the Slack / Teams server (`ticketbot serve`) on a slim Python base.
# Build: docker build -t ticketbot .   Run: see compose.yaml (settings come from the environment).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# Only what the package needs; the sources are removed once installed.
COPY pyproject.toml README.md /src/
COPY bots /src/bots
COPY core /src/core
COPY storage /src/storage
# The postgres extra (psycopg) lets TICKETBOT_DATABASE_URL name a PostgreSQL server.
RUN pip install /src[postgres] \
    && rm -rf /src \
    && useradd --system --uid 10001 --user-group --home-dir /data --no-create-home ticketbot \
    && mkdir -p /data /app \
    && chown ticketbot:ticketbot /data

# The SQLite database (history, audit trail, rate limits, local desk) lives on the volume,
# unless TICKETBOT_DATABASE_URL names a PostgreSQL server.
ENV TICKETBOT_DATABASE_URL=sqlite:////data/ticketbot.db \
    TICKETBOT_LOG_FORMAT=json \
    HOST=0.0.0.0 \
    PORT=3978
VOLUME ["/data"]
# An optional settings file can be mounted at /app/.env (read from the working directory).
WORKDIR /app
USER ticketbot
EXPOSE 3978

# No curl in slim images: probe /healthz with the Python standard library.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ.get('PORT', '3978') + '/healthz', timeout=4)"]

# SIGTERM: stop accepting, finish replies in flight (TICKETBOT_SHUTDOWN_TIMEOUT_SECONDS), exit.
STOPSIGNAL SIGTERM
ENTRYPOINT ["ticketbot", "serve"]
