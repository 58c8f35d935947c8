# watchbot with everything it needs, OCR included, running as a non-root user.
#   docker build -t watchbot .
#   docker run --rm -v watchbot-state:/data/state -v $PWD/watchbot.yaml:/data/watchbot.yaml:ro \
#       -e WATCHBOT_TOKEN_SURVEILLANCE watchbot run
# Installed by scripts/setup, as on any Debian machine: the system packages, then the virtual
# environment /opt/watchbot/.venv (the checkout stays in /opt/watchbot, owned by root).
FROM debian:bookworm-slim

COPY . /opt/watchbot
RUN PIP_NO_CACHE_DIR=1 /opt/watchbot/scripts/setup --postgres \
    && /opt/watchbot/.venv/bin/python -m compileall -q /opt/watchbot/watchbot \
    && rm -rf /var/lib/apt/lists/*

RUN useradd --create-home --uid 10001 watchbot && mkdir -p /data/state && chown -R watchbot /data
USER watchbot
WORKDIR /data
VOLUME /data/state
ENV PATH=/opt/watchbot/.venv/bin:$PATH PYTHONUNBUFFERED=1
ENTRYPOINT ["watchbot"]
CMD ["run"]
