# syntax=docker/dockerfile:1
# RxBridge production image: the engine only. It needs a Redis (REDIS_URL) and should get a Postgres
# (DATABASE_URL); without DATABASE_URL it keeps an embedded PGlite store in the /data volume.
# docker-compose.yml runs it with Postgres and Redis.
#   docker build -t rxbridge .

# ---- build: install everything, compile TypeScript, then drop the dev dependencies ----------------------------
FROM node:22-bookworm-slim AS build
WORKDIR /app

# Dependencies first, as their own layer (rebuilt only when the lockfile changes). --ignore-scripts because
# `npm ci` would run the project's `prepare` script (the build) before src/ is copied; the build runs below with
# the devDependencies (typescript) present. No runtime dependency needs its install script: msgpackr-extract
# ships prebuilt binaries as optional packages; ssh2 (the SFTP client) compiles an optional crypto binding and runs
# without it; @swc/core and @parcel/watcher are test tools.
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund

COPY tsconfig.json tsconfig.build.json ./
COPY scripts ./scripts
COPY src ./src
RUN npm run build \
 && npm prune --omit=dev --ignore-scripts --no-audit --no-fund

# ---- runtime: compiled code and production dependencies, run as the unprivileged `node` user -----------------
FROM node:22-bookworm-slim AS runtime
# What the engine writes lives on the /data volume: the embedded store, the body key, the billing outbox, and the
# mappings and billing folders (seeded from /app on the first start by bin/docker-entrypoint.sh), so a mapping saved
# from the console is written by the engine's user and survives a new container.
ENV NODE_ENV=production \
    DATA_DIR=/data \
    MAPPINGS_DIR=/data/mappings \
    BILLING_CONFIG=/data/billing/billing.yaml \
    PAYER_RULES_DIR=/data/billing/payer-rules \
    HTTP_HOST=0.0.0.0
WORKDIR /app

# Code and the shipped folders stay owned by root (read-only for the engine); only /data is writable.
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY bin ./bin
COPY channels ./channels
COPY mappings ./mappings
COPY billing ./billing
RUN mkdir -p /data && chown node:node /data

USER node
VOLUME /data
# 2575: MLLP (the sample channel's ${MLLP_PORT:-2575}); 8080: admin API (HTTP_PORT).
EXPOSE 2575 8080

# Over HTTPS when the admin API has a certificate (RXBRIDGE_HTTPS_CERT); the certificate is not checked here (the
# name is 127.0.0.1), only that the engine answers.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "const h = require(process.env.RXBRIDGE_HTTPS_CERT ? 'node:https' : 'node:http'); h.get({ host: '127.0.0.1', port: process.env.HTTP_PORT || 8080, path: '/api/health', rejectUnauthorized: false, timeout: 4000 }, (r) => process.exit(r.statusCode === 200 ? 0 : 1)).on('error', () => process.exit(1))"]

# The entry point seeds /data, then execs node as PID 1, which handles SIGTERM itself (graceful shutdown: stop
# accepting, drain ACKs, close the store).
ENTRYPOINT ["sh", "bin/docker-entrypoint.sh"]
CMD ["start"]
