# Berth itself: the server with the site built in, run by compose.yaml against the host's Docker
# engine (README, "Self-hosting"). Debian trixie underneath, as in the sandboxes: debian:trixie-slim
# from Docker Hub, or, offline, the image `npm run images` makes with debootstrap
# (--build-arg BASE_IMAGE=berth/debian:trixie).
ARG BASE_IMAGE=debian:trixie-slim

FROM ${BASE_IMAGE} AS build
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends nodejs npm ca-certificates \
 && rm -rf /var/lib/apt/lists/*
# A TLS-inspecting proxy between this build and npm: its CA certificates, as PEM text.
ARG CA_CERTIFICATES=
RUN if [ -n "$CA_CERTIFICATES" ]; then \
      printf '%s\n' "$CA_CERTIFICATES" >/usr/local/share/ca-certificates/build-proxy.crt && update-ca-certificates; \
    fi
ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
WORKDIR /app
COPY package.json package-lock.json ./
COPY sandbox-server/package.json sandbox-server/
RUN npm ci --no-audit --no-fund
COPY . .
# A team's own pages: `--build-arg CONTENT=…` names a folder in the context to build instead.
ARG CONTENT=content
# Where the site is served (`/docs/`, say): the site is built for it, and the server reads it too.
ARG BASE_PATH=/
ENV BERTH_BASE_PATH=${BASE_PATH}
RUN if [ "$CONTENT" != content ]; then rm -rf content && cp -r "$CONTENT" content; fi \
 && npm run build \
 && npm prune --omit=dev --no-audit --no-fund

FROM ${BASE_IMAGE}
# iptables: the sandbox firewall goes into the host's tables (compose runs this on the host's
# network). debootstrap: the sandboxes' Debian base where no registry answers.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      nodejs ca-certificates iptables debootstrap \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /app /app
ENV NODE_ENV=production HOST=0.0.0.0 PORT=8080
EXPOSE 8080 8081
HEALTHCHECK --interval=30s --timeout=5s --start-period=10m \
  CMD node -e "fetch('http://127.0.0.1:' + process.env.PORT + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"
ENTRYPOINT ["scripts/serve-in-container.sh"]
