# syntax=docker/dockerfile:1
# cairn in a container: a build stage compiles TypeScript, the runtime stage holds only the
# production dependencies and the compiled server, run as a non-root user with its data in a volume.
#   docker build -t cairn .
#   docker run -p 8500:8500 -p 8600:8600/udp -p 8600:8600/tcp -v cairn-data:/data cairn
# `npm run check:container` runs these same steps without Docker (docs/operations.md).

FROM node:20-bookworm-slim AS build
WORKDIR /build
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /build/dist/src ./dist/src
RUN groupadd --system cairn \
  && useradd --system --gid cairn --home-dir /data --shell /usr/sbin/nologin cairn \
  && mkdir -p /data && chown cairn:cairn /data && chmod 700 /data
USER cairn
VOLUME /data
# HTTP API, DNS (UDP and TCP), the server port (Raft and forwarding between servers).
EXPOSE 8500 8600/udp 8600/tcp 8300
# Healthy once this server knows a leader: /v1/status/leader answers "" while there is none.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:8500/v1/status/leader').then((r) => r.json()).then((l) => process.exit(l ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "/app/dist/src/cli/main.js"]
# One server that bootstraps itself. The node name is fixed because it is the server's Raft id
# and the container's host name changes. A cluster: add --bind 0.0.0.0, --advertise IP:8300,
# --bootstrap-expect 3 and --join (docs/running.md).
CMD ["agent", "--node", "cairn", "--data-dir", "/data", "--client", "0.0.0.0", "--bootstrap-expect", "1"]
