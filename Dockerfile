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
 && npm prune --omit=dev --no-audit --no-fund \
 && find node_modules -mindepth 1 -maxdepth 1 -type d -empty -delete
# Team images' folders (a pages folder's catalog/) are read at run time, where BERTH_CATALOG_DIRS
# may name any of them: each goes into the runtime at its own path.
RUN mkdir /catalogs \
 && find . \( -path ./node_modules -o -path ./sandbox-server -o -path ./dist \) -prune -o -type d -name catalog -print \
  | xargs -r cp -r --parents -t /catalogs

# The runtime's system: Node, iptables (the sandbox firewall goes into the host's tables: compose
# runs this on the host's network) and debootstrap (the sandboxes' Debian base where no registry
# answers), with what only apt and people read taken out: package caches and lists, locales,
# documentation. Flattened into one layer below, so what is taken out does not stay beneath.
FROM ${BASE_IMAGE} AS system
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      nodejs ca-certificates iptables debootstrap \
 && apt-get clean \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/* /var/cache/debconf/*-old /var/log/* \
      /usr/share/doc/* /usr/share/man/* /usr/share/info/* \
 && find /usr/share/locale -mindepth 1 -maxdepth 1 ! -name 'locale.alias' -exec rm -rf {} +

# The runtime: that system, the server and its own dependencies, the built site and the image
# contexts (in sandbox-server/src/images). Astro, Starlight, Vite, TypeScript and the tests stay
# behind.
FROM scratch
ARG BASE_IMAGE
COPY --from=system / /
ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
WORKDIR /app
COPY --from=build /app/package.json /app/package-lock.json ./
COPY --from=build /app/node_modules node_modules
COPY --from=build /app/sandbox-server sandbox-server
COPY --from=build /app/dist dist
COPY --from=build /catalogs/ ./
COPY --from=build /app/scripts/serve-in-container.sh scripts/
ARG VERSION=dev
ARG REVISION=unknown
LABEL org.opencontainers.image.title="Berth" \
      org.opencontainers.image.description="A documentation site for learning Docker where every console block runs live." \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.base.name="${BASE_IMAGE}"
ENV NODE_ENV=production HOST=0.0.0.0 PORT=8080
EXPOSE 8080 8081
HEALTHCHECK --interval=30s --timeout=5s --start-period=10m \
  CMD node -e "fetch('http://127.0.0.1:' + process.env.PORT + '/readyz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"
ENTRYPOINT ["scripts/serve-in-container.sh"]
