# Rencontres Bot: `docker build -t rencontres-bot .` then
# `docker run -e TELEGRAM_BOT_TOKEN=… -e DATABASE_URL=postgresql+psycopg://… -p 8080:8080 rencontres-bot`
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml setup.py README.md ./
COPY bot bot
COPY handlers handlers
COPY storage storage
COPY scheduler scheduler
COPY locales locales
COPY events events
# The build compiles the gettext catalogs (.po -> .mo) into the wheel.
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

FROM python:3.11-slim
RUN useradd --create-home --uid 10001 bot
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels
USER bot
WORKDIR /home/bot
ENV DATABASE_URL=sqlite:////home/bot/data/rencontres.db \
    HTTP_HOST=0.0.0.0 \
    HTTP_PORT=8080 \
    PYTHONUNBUFFERED=1
VOLUME ["/home/bot/data"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s CMD python -c "import urllib.request,os; urllib.request.urlopen(f'http://127.0.0.1:{os.environ[\"HTTP_PORT\"]}/healthz')" || exit 1
CMD ["rencontres-bot", "run"]
