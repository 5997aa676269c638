# rfedit: CPU image by default. For NVIDIA GPUs build with
#   docker build --build-arg BASE=nvidia/cuda:12.6.3-cudnn-runtime-ubuntu24.04 --build-arg ORT_INSTALL=cuda12 -t rfedit:gpu .
# (the CUDA base brings CUDA 12 + cuDNN 9, which onnxruntime-node's CUDA provider needs; Node is installed below).
ARG BASE=node:20-bookworm-slim
FROM ${BASE}

# skip = CPU only (bundled); cuda12 = download onnxruntime's CUDA provider libraries at install time.
ARG ORT_INSTALL=skip
ENV ONNXRUNTIME_NODE_INSTALL=${ORT_INSTALL} \
    NODE_ENV=production \
    RFEDIT_DATA_DIR=/data \
    RFEDIT_HEALTH__HOST=0.0.0.0
# The web chat stays on the container's own loopback, so the image publishes no chat by default. To offer it,
# set RFEDIT_WEB__HOST=0.0.0.0 together with RFEDIT_WEB_PASSWORD (the bot refuses to start without one) and
# publish port 8787, ideally behind HTTPS.

# Node on non-node bases (the CUDA image), plus the toolchain better-sqlite3 builds with.
RUN set -eux; \
    apt-get update; \
    apt-get install -y --no-install-recommends ca-certificates curl python3 make g++; \
    if ! command -v node >/dev/null; then \
      curl -fsSL https://deb.nodesource.com/setup_20.x | bash -; \
      apt-get install -y --no-install-recommends nodejs; \
    fi; \
    rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci && npm cache clean --force
COPY bin ./bin
COPY src ./src
COPY config ./config
COPY tsconfig.json slack-manifest.yaml* ./

# Jobs, images, caches and the generated demo model live in /data; mount FLUX.1 exports under /models.
VOLUME ["/data"]
EXPOSE 9464 3000
USER node
HEALTHCHECK --interval=30s --timeout=5s CMD node -e "fetch('http://127.0.0.1:9464/healthz').then(r=>process.exit(r.ok?0:1)).catch(()=>process.exit(1))"
ENTRYPOINT ["node", "bin/rfedit.js"]
CMD ["start"]
