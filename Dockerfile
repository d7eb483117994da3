# The contact-centre daemon. FreeSWITCH and drachtio-server run from their
# maintainers' images beside it (docker-compose.yml).
FROM node:20-bookworm-slim AS build
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ \
    && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci
COPY tsconfig.json tsconfig.build.json ./
COPY src src
COPY migrations migrations
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
WORKDIR /app
# The embedded speech-to-text engine and its English model (transcription.engine: pocketsphinx).
RUN apt-get update && apt-get install -y --no-install-recommends pocketsphinx pocketsphinx-en-us \
    && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production PBX_CONFIG_DIR=/etc/pbx PBX_DATA_DIR=/var/lib/pbx
COPY --from=build /app/node_modules node_modules
COPY --from=build /app/dist dist
# the agent desk (static files; SIP.js comes from node_modules)
COPY src/web src/web
COPY package.json ./
COPY config /etc/pbx
RUN ln -s /app/dist/src/cli/main.js /usr/local/bin/pbx && chmod +x dist/src/cli/main.js \
    && mkdir -p /var/lib/pbx && chown node:node /var/lib/pbx
USER node
VOLUME ["/var/lib/pbx"]
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PBX_HTTP_PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
ENTRYPOINT ["node", "dist/src/cli/main.js"]
CMD ["run"]
