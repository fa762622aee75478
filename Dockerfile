# identity_graph — production image. Build: docker build -t identity-graph .
# Run:  docker run -p 8000:8000 -e IDG_SECRET_KEY=... -e IDG_DATABASE_URL=postgres://... \
#         -e IDG_REGISTRY_PROVIDER=http -e IDG_REGISTRY_URL=... -e IDG_REGISTRY_SECRET=... (and FACE_, LICENCE_) identity-graph
# Production refuses the sandbox authorities; a staging system may set IDG_ALLOW_SANDBOX_PROVIDERS=true.
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY identity_graph ./identity_graph
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    IDG_ENV=production \
    IDG_HOST=0.0.0.0 \
    IDG_PORT=8000 \
    IDG_DATA_DIR=/var/lib/identity-graph
RUN groupadd --system --gid 10001 idg \
    && useradd --system --uid 10001 --gid idg --home-dir /nonexistent --shell /usr/sbin/nologin idg \
    && mkdir -p /var/lib/identity-graph \
    && chown idg:idg /var/lib/identity-graph \
    && chmod 0700 /var/lib/identity-graph
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels
USER idg
WORKDIR /var/lib/identity-graph
VOLUME ["/var/lib/identity-graph"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s --start-period=30s --retries=3 \
  CMD ["python", "-c", "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2).status == 200 else 1)"]
CMD ["identity-graph", "serve"]
