# syntax=docker/dockerfile:1
# The Steadfast API image: `docker build -t steadfast-api .`, or `docker compose up` (compose.yaml).
# One image runs the API (default command), the migrations (node dist/cli/migrate.js) and the
# sandbox payment processor (node dist/cli/sandbox.js). docs/staging.md explains the topology.

# Node.js 24 LTS, the runtime CI tests on (.node-version). Pin the image by digest for
# reproducible builds: `docker buildx imagetools inspect node:24-bookworm-slim` prints the
# current index digest; build with --build-arg NODE_IMAGE=node:24-bookworm-slim@sha256:<digest>
# and bump it when .node-version moves (the digest could not be read from this project's CI,
# which reaches no container registry, so the default below is the tag).
ARG NODE_IMAGE=node:24-bookworm-slim

# Toolchain for native modules (better-sqlite3) when no prebuilt binary matches the platform.
FROM ${NODE_IMAGE} AS toolchain
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
# Every workspace's manifest: npm ci checks the lockfile against all of them.
COPY package.json package-lock.json ./
COPY packages/api/package.json packages/api/
COPY packages/check/package.json packages/check/

# Production dependencies of the API only, from the lockfile (pino-pretty, a development
# dependency, is not among them: production logs are JSON lines).
FROM toolchain AS dependencies
RUN npm ci --omit=dev --workspace @steadfast/api --no-audit --no-fund

# Compiles the TypeScript with the dev dependencies, which stay in this stage.
FROM toolchain AS build
RUN npm ci --workspace @steadfast/api --no-audit --no-fund
COPY tsconfig.base.json ./
COPY packages/api/tsconfig.json packages/api/tsconfig.build.json packages/api/
COPY packages/api/src packages/api/src
RUN npm run build --workspace @steadfast/api

FROM ${NODE_IMAGE} AS runtime
ARG VERSION=0.1.0
ARG REVISION=unknown
LABEL org.opencontainers.image.title="steadfast-api" \
  org.opencontainers.image.description="A production-ready multi-tenant Users/Orders/Payments HTTP API" \
  org.opencontainers.image.version="${VERSION}" \
  org.opencontainers.image.revision="${REVISION}" \
  org.opencontainers.image.base.name="${NODE_IMAGE}"
ENV NODE_ENV=production \
  HOST=0.0.0.0 \
  PORT=3000 \
  METRICS_HOST=0.0.0.0 \
  METRICS_PORT=9464
WORKDIR /app
COPY --from=dependencies --chown=node:node /app ./
COPY --from=build --chown=node:node /app/packages/api/dist packages/api/dist
WORKDIR /app/packages/api
# The SQLite default (./data) must be writable by the unprivileged user.
RUN mkdir -p data && chown node:node data
USER node
EXPOSE 3000 9464
# Readiness, not liveness: "healthy" means this instance can serve (database reachable, not
# draining), which is what compose's depends_on and a rolling deploy wait for.
HEALTHCHECK --interval=5s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.PORT}/readyz`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# node is PID 1 and handles SIGTERM itself (graceful drain, main.ts).
CMD ["node", "dist/main.js"]
