#!/bin/sh
# The entrypoint of Berth's own image (Dockerfile): what `npm start` does on a host, minus what
# the image already holds (npm dependencies, the site). The images and the mirror go into the
# host's engine, through its socket, and are reused when current; then the server.
set -eu

# The firewall's rules join Docker's in the host's tables: use the iptables the host's Docker
# uses (Debian's default is nf_tables; some hosts still run the legacy tables).
if ! iptables-nft -S DOCKER-USER >/dev/null 2>&1 && iptables-legacy -S DOCKER-USER >/dev/null 2>&1; then
  update-alternatives --quiet --set iptables /usr/sbin/iptables-legacy
  update-alternatives --quiet --set ip6tables /usr/sbin/ip6tables-legacy
fi

cd /app/sandbox-server
tsx=/app/node_modules/.bin/tsx
"$tsx" src/images/cli.ts
"$tsx" src/mirror/cli.ts
exec "$tsx" src/index.ts
