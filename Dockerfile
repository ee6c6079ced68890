# Gatehouse in a container: `docker build -t gatehouse .`, then for example
#   docker run -p 8787:8787 -e DATABASE_URL=... -e STREAM_API_KEY=... -e STREAM_API_SECRET=... \
#     -e ADMIN_TOKEN=... gatehouse
# The service is PID 1 (plain node, no npm in between): `docker stop` sends it SIGTERM (it drains,
# within SHUTDOWN_TIMEOUT_MS), `docker kill --signal=HUP` reloads the rules.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts ./scripts
COPY src ./src
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
ENV NODE_ENV=production HOST=0.0.0.0 PORT=8787 DATA_DIR=/var/lib/gatehouse
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY migrations ./migrations
RUN mkdir -m 0700 /var/lib/gatehouse && chown node:node /var/lib/gatehouse
USER node
EXPOSE 8787
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+process.env.PORT+'/readyz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "dist/main.js"]
