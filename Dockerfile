# SkyBeat service image. The build stage compiles the native database driver, the server and the
# web app; the runtime stage carries only production dependencies and runs as the unprivileged
# "node" user, with its data on a volume.
FROM node:20-bookworm-slim AS build
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json vite.config.ts ./
COPY server server
COPY web web
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production SKYBEAT_DATA=/data SKYBEAT_MISSIONS=/app/missions
# /app as in a clone after `npm run build`: the compiled service (dist/server) serves web/dist from
# the folder above dist/ (server/paths.ts). tests/ops/production-web.test.ts lays out this stage
# from these lines, runs the CMD and loads the pages in Chromium.
COPY --from=build --chown=node:node /app/node_modules node_modules
COPY --from=build --chown=node:node /app/dist dist
COPY --from=build --chown=node:node /app/web/dist web/dist
COPY --chown=node:node package.json ./
# npm run users|backup|restore: the launcher picks the compiled tools in dist/.
COPY --chown=node:node server/tools/run.mjs server/tools/run.mjs
COPY --chown=node:node missions missions
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME /data
EXPOSE 8080 14550/udp
HEALTHCHECK --interval=30s --timeout=5s CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/api/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node", "dist/server/main.js"]
