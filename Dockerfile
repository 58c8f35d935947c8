# watchbot with everything it needs, OCR included, running as a non-root user.
#   docker build -t watchbot .
#   docker run --rm -v watchbot-state:/data/state -v $PWD/watchbot.yaml:/data/watchbot.yaml:ro \
#       -e WATCHBOT_TOKEN_SURVEILLANCE watchbot run
FROM debian:bookworm-slim

RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        python3 python3-venv ca-certificates \
        tesseract-ocr tesseract-ocr-fra tesseract-ocr-osd ghostscript poppler-utils qpdf pngquant \
    && rm -rf /var/lib/apt/lists/*

COPY . /opt/watchbot/src
RUN python3 -m venv /opt/watchbot/venv \
    && /opt/watchbot/venv/bin/pip install --no-cache-dir "/opt/watchbot/src[postgres]" \
    && rm -rf /opt/watchbot/src

RUN useradd --create-home --uid 10001 watchbot && mkdir -p /data/state && chown -R watchbot /data
USER watchbot
WORKDIR /data
VOLUME /data/state
ENV PATH=/opt/watchbot/venv/bin:$PATH PYTHONUNBUFFERED=1
ENTRYPOINT ["watchbot"]
CMD ["run"]
