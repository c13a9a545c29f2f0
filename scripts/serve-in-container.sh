#!/bin/sh
# The entrypoint of Berth's own image (Dockerfile): what `npm start` does on a host, minus what
# the image already holds (npm dependencies, the site). The server listens at once and builds
# the images and the mirror in the host's engine, through its socket, behind the site and a
# status page (--prepare); what is current is reused.
set -eu

# The firewall's rules join Docker's in the host's tables: use the iptables the host's Docker
# uses (Debian's default is nf_tables; some hosts still run the legacy tables).
if ! iptables-nft -S DOCKER-USER >/dev/null 2>&1 && iptables-legacy -S DOCKER-USER >/dev/null 2>&1; then
  update-alternatives --quiet --set iptables /usr/sbin/iptables-legacy
  update-alternatives --quiet --set ip6tables /usr/sbin/ip6tables-legacy
fi

cd /app/sandbox-server
exec /app/node_modules/.bin/tsx src/index.ts --prepare
