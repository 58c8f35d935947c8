# watchbot with everything it needs, OCR included, running as a non-root user (uid 10001).
#   docker build -t watchbot .                                   with Chromium, for the sources read in
#                                                                a headless browser (Paris, the Préfecture de police)
#   docker build -t watchbot:nobrowser --build-arg BROWSER=0 .   without it: a smaller image
#   docker run --rm -v watchbot-state:/data/state -v $PWD/watchbot.yaml:/data/watchbot.yaml:ro \
#       -e WATCHBOT_TOKEN_SURVEILLANCE watchbot run
# Behind a proxy that intercepts TLS, give pip its CA (PEM) for the build only: --build-arg BUILD_CA="$(cat ca.crt)".
# Installed by scripts/setup, as on any Debian machine: the system packages, then the virtual
# environment /opt/watchbot/.venv (the checkout stays in /opt/watchbot, owned by root).
FROM debian:bookworm-slim
ARG BROWSER=1
ARG BUILD_CA=

RUN useradd --create-home --uid 10001 watchbot && mkdir -p /data/state && chown -R watchbot /data
WORKDIR /opt/watchbot

# What scripts/setup installs from, copied alone: editing a rule or the code does not install the
# dependencies again, only watchbot itself (the last layers).
COPY scripts/setup scripts/setup
COPY setup.cfg pyproject.toml ./
RUN if [ -n "$BUILD_CA" ]; then printf '%s\n' "$BUILD_CA" >/tmp/build-ca.crt; export PIP_CERT=/tmp/build-ca.crt; fi \
    && PIP_NO_CACHE_DIR=1 scripts/setup --postgres $([ "$BROWSER" = 0 ] || echo --browser) --dependencies-only \
    && rm -rf /var/lib/apt/lists/* /tmp/build-ca.crt

COPY . .
RUN if [ -n "$BUILD_CA" ]; then printf '%s\n' "$BUILD_CA" >/tmp/build-ca.crt; export PIP_CERT=/tmp/build-ca.crt; fi \
    && PIP_NO_CACHE_DIR=1 scripts/setup --postgres $([ "$BROWSER" = 0 ] || echo --browser) \
    && .venv/bin/python -m compileall -q watchbot \
    && rm -f /tmp/build-ca.crt

USER watchbot
WORKDIR /data
VOLUME /data/state
ENV PATH=/opt/watchbot/.venv/bin:$PATH PYTHONUNBUFFERED=1
ENTRYPOINT ["watchbot"]
CMD ["run"]
