# syntax=docker/dockerfile:1

# ---- build: install everything, compile TypeScript, then keep only what runs in production
FROM node:20-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# The producer package is a workspace of the lock file: npm ci needs its manifest (not its code).
COPY packages/producer/package.json ./packages/producer/package.json
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
# dev/ (embedded PostgreSQL, seeding, development tokens) is not copied: the container always gets a DATABASE_URL.
RUN npm run build \
 && npm prune --omit=dev --no-audit --no-fund

# ---- runtime: compiled server and production dependencies only, as the unprivileged `node` user
FROM node:20-slim AS runtime
# NODE_OPTIONS: a young generation of 64 MB semi-spaces (V8's default: 16): a batch being written
# outlives a few 16 MB scavenges, each copying it again (bench/README.md, JetStream ingest).
ENV NODE_ENV=production \
    PORT=4001 \
    NODE_OPTIONS=--max-semi-space-size=64
WORKDIR /app
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
USER node
EXPOSE 4001
# node:20-slim has neither curl nor wget: Node's own fetch checks readiness (database reachable, migrations applied).
HEALTHCHECK --interval=10s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||4001)+'/readyz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
STOPSIGNAL SIGTERM
CMD ["node", "dist/src/server/main.js"]
